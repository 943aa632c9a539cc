"""Import the real source files of DATA_DIR as datasets, through the validated import of every dataset.

Each file is read by its publisher's reader (indicators/importing: the whole file checked first, errors naming
file, line and field), then goes through ``dataset_import_chunks`` (every row validated before the one
transaction commits). Rows the readers leave out (COM codes, totals, notes) come back as ``skipped``.
An import whose source hash (file bytes, reader version, area selection) equals the dataset's stored
``source_hash`` is skipped: re-running the demo on unchanged files writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.conf import settings

from geo.models import Area, Level
from indicators.importing.cnam_ald import CNAM_ALD, read_cnam_ald
from indicators.importing.insee_deaths import INSEE_DEATHS, read_insee_deaths
from indicators.importing.readers import Chunk, FileFormatError
from indicators.importing.simulation import (
    INFANT_RATE, POPULATION_YEAR, SCHEDULE, SEED, annual_national_deaths, simulate_deaths,
)
from indicators.importing.reference import DREES_FILES, INSEE_POPULATION, read_drees, read_insee_population
from indicators.importing.spf_covid import (
    SPF_FILES, read_spf_admissions_age, read_spf_hospital_daily, read_spf_vaccination_age, read_spf_vaccination_sex,
)
from indicators.models import Dataset

from .datasets import ImportResult, dataset_create, dataset_import_chunks
from .reference_datasets import DATASETS, LICENCE  # noqa: F401 - LICENCE re-exported for older imports

# Bump when a reader or this module changes what a file becomes: every dataset is then re-imported.
READER_VERSION = "2"


@dataclass
class ReferenceOutcome:
    dataset: str
    result: ImportResult
    skipped: list = field(default_factory=list)  # source rows left out, with the reason
    unchanged: bool = False  # same source hash as the last import: nothing read, nothing written


def _vaccination(data_dir: Path):
    """Age file (sex T x SPF age classes) + sex file (M, F; all ages): one dataset. The sex file's T rows
    repeat the age file's all-ages rows (same key), so they are left out, and reported."""
    age, skipped_age = read_spf_vaccination_age(data_dir / SPF_FILES["vaccination_age"])
    sex, skipped_sex = read_spf_vaccination_sex(data_dir / SPF_FILES["vaccination_sex"])
    both = sex["sex"].eq("T")
    skipped = [{**s, "file": SPF_FILES["vaccination_age"].name} for s in skipped_age]
    skipped += [{**s, "file": SPF_FILES["vaccination_sex"].name} for s in skipped_sex]
    skipped.append({"line": 0, "file": SPF_FILES["vaccination_sex"].name, "value": f"{int(both.sum())} rows sexe=0",
                    "reason": "both-sexes rows repeat the age file's all-ages rows: taken from the age file"})
    return pd.concat([age, sex[~both]], ignore_index=True), skipped


def _cnam(table: str):
    def read(data_dir: Path):
        frame, skipped = read_cnam_ald(data_dir / CNAM_ALD, table)
        return (frame if table == "counts" else frame.drop(columns="masked")), skipped
    return read


def _one(reader, path: Path):
    return lambda data_dir: reader(data_dir / path)


COG_COMMUNES = Path("cog/communes.json")
SIMULATION_FILES = [COG_COMMUNES, INSEE_POPULATION, INSEE_DEATHS]
_simulated: dict = {}  # (data_dir, files' sizes and mtimes) -> (deaths, populations, skipped): drawn once per run


def _cog_communes(path: Path) -> tuple[pd.DataFrame, list[dict]]:
    try:
        entries = pd.read_json(path, dtype={"code": str, "departement": str})
    except ValueError as exc:
        raise FileFormatError(1, "(json)", "", f"{path.name} line 1, field (json): not a JSON array ({exc})",
                              kind="invalid source file") from exc
    current = entries[entries["type"].eq("commune-actuelle")]
    com = current["zone"].eq("com")
    skipped = [{"line": 0, "file": path.name, "value": f"{int(com.sum())} communes",
                "reason": "communes of the collectivités d'outre-mer: no INSEE age structure, not simulated"}]
    rows = current[~com]
    communes = pd.DataFrame({"code": rows["code"].to_numpy(), "department": rows["departement"].to_numpy(),
                             "population": rows["population"].fillna(0).astype("int64").to_numpy()})
    return communes, skipped


def _simulation(data_dir: Path):
    key = (str(data_dir), *[(p, (data_dir / p).stat().st_size, (data_dir / p).stat().st_mtime_ns)
                            for p in SIMULATION_FILES])
    if key not in _simulated:
        communes, skipped = _cog_communes(data_dir / COG_COMMUNES)
        population = read_insee_population(data_dir / INSEE_POPULATION)
        deaths, _ = read_insee_deaths(data_dir / INSEE_DEATHS)
        drawn, people = simulate_deaths(communes, population[population["period"] == POPULATION_YEAR],
                                        annual_national_deaths(deaths))
        _simulated.clear()
        _simulated[key] = (drawn, people, skipped)
    return _simulated[key]


def _simulated_frame(which: int):
    def read(data_dir: Path):
        frame = _simulation(data_dir)[which]
        # No source line: a drawn row comes from no line of a file (0 in a report).
        return frame.assign(line=0), list(_simulation(data_dir)[2])
    return read


# code -> (files read, reader(data_dir) -> (long frame, skipped rows)). Order = import order.
SOURCES = {
    "insee-population": ([INSEE_POPULATION], lambda d: (read_insee_population(d / INSEE_POPULATION), [])),
    **{f"drees-{p}": ([path], _one(read_drees, path)) for p, path in DREES_FILES.items()},
    "cnam-ald": ([CNAM_ALD], _cnam("counts")),
    "cnam-ald-taux": ([CNAM_ALD], _cnam("rates")),
    "spf-covid-hopital": ([SPF_FILES["hospital_daily"]], _one(read_spf_hospital_daily, SPF_FILES["hospital_daily"])),
    "spf-covid-admissions-age": ([SPF_FILES["admissions_age"]],
                                 _one(read_spf_admissions_age, SPF_FILES["admissions_age"])),
    "spf-covid-vaccination": ([SPF_FILES["vaccination_age"], SPF_FILES["vaccination_sex"]], _vaccination),
    "insee-deces": ([INSEE_DEATHS], _one(read_insee_deaths, INSEE_DEATHS)),
    "simulation-population": (SIMULATION_FILES, _simulated_frame(1)),
    "simulation-deces": (SIMULATION_FILES, _simulated_frame(0)),
}
REFERENCE_STEPS = len(SOURCES)  # one step per dataset, for progress reporting


def skipped_summary(skipped: list[dict]) -> list[dict]:
    """Consecutive skipped lines with the same file, value and reason as one entry ``{first, last, rows, ...}``
    (1,108 lines of Saint-Martin in the hospital file become one line of the report, not 1,108)."""
    runs: list[dict] = []
    for skip in sorted(skipped, key=lambda s: (s.get("file", ""), s["line"])):
        last = runs[-1] if runs else None
        same = last is not None and all(last[k] == skip.get(k, "") for k in ("file", "value", "reason"))
        if same and skip["line"] and skip["line"] <= last["last"] + 1:
            last["last"], last["rows"] = skip["line"], last["rows"] + 1
        else:
            runs.append({"file": skip.get("file", ""), "value": skip["value"], "reason": skip["reason"],
                         "first": skip["line"], "last": skip["line"], "rows": 1})
    return runs


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_hash(code: str, data_dir: Path, areas: set[str]) -> str:
    parts = [code, READER_VERSION, *sorted(areas)]
    if code.startswith("simulation-"):  # another seed or schedule draws other deaths
        parts.append(repr((SEED, SCHEDULE, INFANT_RATE)))
    parts += [f"{path}:{file_sha256(data_dir / path)}" for path in SOURCES[code][0]]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _areas(level: str, only: list[str] | None) -> set[str]:
    """Codes of the imported geography at ``level`` (department or region), limited to ``only`` departments."""
    areas = Area.objects.filter(territory_set__isnull=True)
    departments = areas.filter(level=Level.DEPARTMENT)
    if only:
        departments = departments.filter(code__in=only)
    if level == Level.DEPARTMENT:
        return set(departments.values_list("code", flat=True))
    if level == Level.COMMUNE:
        communes = areas.filter(level=level)
        return set((communes.filter(parent__code__in=only) if only else communes).values_list("code", flat=True))
    if only:
        return set(departments.values_list("parent__code", flat=True))
    return set(areas.filter(level=level).values_list("code", flat=True))


def _failed(error: FileFormatError) -> ImportResult:
    report = {"errors": [error.error], "error_count": 1, "truncated": False,
              "counts_by_kind": {error.kind: 1}, "file": getattr(error, "file", "")}
    return ImportResult(ok=False, report=report)


def _refresh_metadata(dataset: Dataset, meta: dict) -> None:
    """Unchanged files, edited description (publisher, URL...): update the row, only if a field differs."""
    changed = {name: value for name, value in meta.items() if getattr(dataset, name) != value}
    if changed:
        Dataset.objects.filter(pk=dataset.pk).update(**changed)


def _import_one(code: str, data_dir: Path, only: list[str] | None, force: bool) -> ReferenceOutcome:
    meta = DATASETS[code]
    level = meta.get("level", Level.DEPARTMENT)
    areas = _areas(level, only)
    digest = source_hash(code, data_dir, areas)
    existing = Dataset.objects.filter(code=code).first()
    if not force and existing is not None and existing.source_hash == digest and existing.observations.exists():
        _refresh_metadata(existing, {"level": level, **meta})
        return ReferenceOutcome(code, ImportResult(ok=True, report={}), unchanged=True)
    try:
        frame, skipped = SOURCES[code][1](data_dir)
    except FileFormatError as exc:
        return ReferenceOutcome(code, _failed(exc))
    outside = ~frame["area_code"].isin(areas)
    if outside.any():
        missing = sorted(frame.loc[outside, "area_code"].unique())
        skipped = skipped + [{"line": 0, "value": ", ".join(missing),
                              "reason": f"{len(missing)} area(s) not in the imported geography or not selected"}]
    frame = frame[~outside]
    dataset = dataset_create(code=code, **{"level": level, **meta})
    chunk = Chunk(frame.drop(columns="line"), frame["line"].astype("int64"))
    name = ", ".join(p.name for p in SOURCES[code][0])
    result = dataset_import_chunks(dataset, [chunk], name=name)
    if result.ok:
        Dataset.objects.filter(pk=dataset.pk).update(source_hash=digest)
    return ReferenceOutcome(code, result, skipped)


def reference_data_import(data_dir: Path | None = None, departments: list[str] | None = None,
                          step=lambda name: None, codes: list[str] | None = None,
                          force: bool = False) -> list[ReferenceOutcome]:
    """Each source becomes (or refreshes) one dataset; rows outside the imported geography are skipped.

    ``step(name)`` is called before each dataset is read and imported (progress reporting); ``codes`` limits
    the import to those datasets; ``force`` re-imports even when the source hash is unchanged.
    """
    data_dir = Path(data_dir or settings.DATA_DIR)
    outcomes = []
    for code in SOURCES:
        if codes and code not in codes:
            continue
        step(code)
        outcomes.append(_import_one(code, data_dir, departments, force))
    return outcomes
