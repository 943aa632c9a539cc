"""Import the real reference files of DATA_DIR (INSEE population, DREES health professionals) as datasets."""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from geo.models import Area, Level
from indicators.importing.readers import Chunk
from indicators.importing.reference import DREES_FILES, INSEE_POPULATION, read_drees, read_insee_population

from .datasets import ImportResult, dataset_create, dataset_import_chunks

LICENCE = "Licence Ouverte / Etalab 2.0"
DATASETS = {
    "insee-population": {
        "name": "Population estimée au 1er janvier par département, sexe et âge quinquennal (1975-2021)",
        "publisher": "Insee", "licence": LICENCE, "vintage": "2021-03-29 (2019-2021 provisoires)",
        "url": "https://www.insee.fr/fr/statistiques/1893198",
        "description": "Estimations de population, Insee. Âge atteint au 1er janvier.",
    },
    "drees-medecins": {
        "name": "Médecins (toutes spécialités) par département d'inscription, 2012-2020",
        "publisher": "DREES (ASIP-Santé RPPS, traitements DREES)", "licence": LICENCE, "vintage": "2020",
        "url": "https://drees.solidarites-sante.gouv.fr/",
        "description": "Effectifs au 1er janvier, RPPS, département d'inscription (dep_insc).",
    },
    "drees-infirmiers": {
        "name": "Infirmiers par département, 2012-2020",
        "publisher": "DREES (ASIP-Santé ADELI, traitements DREES)", "licence": LICENCE, "vintage": "2020",
        "url": "https://drees.solidarites-sante.gouv.fr/",
        "description": "Effectifs au 1er janvier, répertoire ADELI.",
    },
    "drees-dentistes": {
        "name": "Chirurgiens-dentistes par département d'exercice, 2012-2020",
        "publisher": "DREES (ASIP-Santé RPPS, traitements DREES)", "licence": LICENCE, "vintage": "2020",
        "url": "https://drees.solidarites-sante.gouv.fr/",
        "description": "Effectifs au 1er janvier, RPPS, département d'exercice (dep_act).",
    },
}


@dataclass
class ReferenceOutcome:
    dataset: str
    result: ImportResult
    skipped: list = field(default_factory=list)  # source rows left out, with the reason


def _departments(only: list[str] | None) -> set[str]:
    present = set(Area.objects.filter(level=Level.DEPARTMENT, territory_set__isnull=True).values_list("code", flat=True))
    return present & set(only) if only else present


def _import(code: str, frame, departments: set[str], skipped: list) -> ReferenceOutcome:
    outside = ~frame["area_code"].isin(departments)
    if outside.any():
        missing = sorted(frame.loc[outside, "area_code"].unique())
        skipped = skipped + [{"line": 0, "value": ", ".join(missing),
                              "reason": f"{len(missing)} department(s) not in the imported geography or not selected"}]
    frame = frame[~outside]
    dataset = dataset_create(code=code, level=Level.DEPARTMENT, **DATASETS[code])
    chunk = Chunk(frame.drop(columns="line"), frame["line"].astype("int64"))
    return ReferenceOutcome(code, dataset_import_chunks(dataset, [chunk]), skipped)


REFERENCE_STEPS = 1 + len(DREES_FILES)  # one step per file, for progress reporting


def reference_data_import(data_dir: Path | None = None, departments: list[str] | None = None,
                          step=lambda name: None) -> list[ReferenceOutcome]:
    """Each file becomes (or refreshes) one dataset; rows outside the imported geography are skipped.

    ``step(name)`` is called before each file is read and imported (progress reporting)."""
    data_dir = Path(data_dir or settings.DATA_DIR)
    selected = _departments(departments)
    step("insee-population")
    outcomes = [_import("insee-population", read_insee_population(data_dir / INSEE_POPULATION), selected, [])]
    for profession, path in DREES_FILES.items():
        step(f"drees-{profession}")
        frame, skipped = read_drees(data_dir / path)
        outcomes.append(_import(f"drees-{profession}", frame, selected, skipped))
    return outcomes
