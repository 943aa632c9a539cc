"""What each real source file becomes: one dataset row with its publisher, licence, vintage, page and description.

The codes are relied on by the catalog (indicators/catalog/definitions) and by outside checks: never rename one.
"""

LICENCE = "Licence Ouverte / Etalab 2.0"
SPF = "Santé publique France"
SPF_HOSPITAL_PAGE = "https://www.data.gouv.fr/fr/datasets/donnees-hospitalieres-relatives-a-lepidemie-de-covid-19/"
SPF_VACCINATION_PAGE = ("https://www.data.gouv.fr/fr/datasets/"
                        "donnees-relatives-aux-personnes-vaccinees-contre-la-covid-19-1/")
# The CNAM's page of the yearly ALD prevalence series ("Effectif, prévalence et caractéristiques des
# bénéficiaires d'une ALD").
CNAM_PAGE = "https://www.assurance-maladie.ameli.fr/etudes-et-donnees/prevalence-beneficiaires-ald"

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
    "cnam-ald": {
        "name": "Personnes en affection de longue durée (ALD) par département, régime général, 2019 : effectifs",
        "publisher": "Assurance Maladie (CNAM)", "licence": LICENCE, "vintage": "2019",
        "url": CNAM_PAGE,
        "description": "ALD prévalentes au 31 décembre 2019, régime général, par ALD (catégorie ALD1 ... ALD30). "
                       "Effectifs arrondis à la dizaine par la CNAM ; les effectifs inférieurs à 10 sont masqués "
                       "par le producteur (« <10 ») : stockés masqués, jamais convertis en nombre. Mayotte : "
                       "données non exhaustives selon la CNAM.",
    },
    "cnam-ald-taux": {
        "name": "Taux standardisés de personnes en ALD pour 100 000 par département, régime général, 2019",
        "publisher": "Assurance Maladie (CNAM)", "licence": LICENCE, "vintage": "2019",
        "url": CNAM_PAGE,
        "description": "Taux publiés par la CNAM pour 100 000 personnes protégées par le régime général, "
                       "standardisés sur l'âge et le sexe (population RNIAM) ; valeurs publiées telles quelles "
                       "(arrondies à l'unité), non recalculées. Catégorie = code ALD.",
    },
    "spf-covid-hopital": {
        "name": "COVID-19 : hospitalisations, admissions en réanimation, décès et retours à domicile par "
                "département et année (2020-2023)",
        "publisher": f"{SPF} (SI-VIC)", "licence": LICENCE, "vintage": "2023-03-31 (dernière diffusion)",
        "url": SPF_HOSPITAL_PAGE,
        "description": "Somme par année civile des nouveaux cas quotidiens (fichier « nouveaux »). Catégories : "
                       "hospitalisations, reanimations, deces-hopital (décès à l'hôpital seulement), "
                       "retours-domicile. 2020 commence le 19 mars, 2023 s'arrête le 31 mars (années partielles). "
                       "Saint-Martin (978) n'est pas un département : ligne non importée, signalée.",
    },
    "spf-covid-admissions-age": {
        "name": "COVID-19 : nouvelles hospitalisations par région, année et classe d'âge décennale (2020-2023)",
        "publisher": f"{SPF} (SI-VIC)", "licence": LICENCE, "vintage": "2023-06-30", "level": "region",
        "url": SPF_HOSPITAL_PAGE,
        "description": "Somme par année (semaines ISO, 2020-S09 à 2023-S25) des admissions hebdomadaires par "
                       "région et classe d'âge (0-9 ... 80-89, 90+). La tranche « all » est le total publié par "
                       "SPF, qui compte aussi les âges inconnus : elle n'est pas la somme des classes.",
    },
    "spf-covid-vaccination": {
        "name": "COVID-19 : personnes vaccinées (cumul) par département, classe d'âge et sexe, au 10 juillet 2023",
        "publisher": f"{SPF} (VAC-SI)", "licence": LICENCE, "vintage": "2023-07-10",
        "url": SPF_VACCINATION_PAGE,
        "description": "Effectifs cumulés au 10 juillet 2023 (période 2023) par département x classe d'âge SPF "
                       "(sexe T) et par département x sexe (toutes classes d'âge). Catégories : dose1, complet "
                       "(schéma complet), rappel, 2-rappel, rappel-biv, 3-rappel ; population-spf = dénominateur "
                       "de SPF (base Insee, classes d'âge seulement ; diffère des estimations Insee). "
                       "Saint-Barthélemy (977) et Saint-Martin (978) : lignes non importées, signalées.",
    },
    "insee-deces": {
        "name": "Décès par département de décès, mensuels et du 1er mars au 9 novembre, 2018-2020",
        "publisher": "Insee", "licence": LICENCE, "vintage": "2020-11-20",
        "url": "https://www.insee.fr/fr/statistiques/4487988",
        "description": "Nombre de décès quotidiens par département (diffusion du 20 novembre 2020), cumulés "
                       "depuis le 1er mars, transformés en décès du mois (month-03 ... month-11 ; novembre = 1er "
                       "au 9) et du 1er mars au 9 novembre (mars-novembre). Décès comptés au lieu de décès, non "
                       "au domicile.",
    },
    "simulation-population": {
        "name": "SIMULATION : population par commune et sexe (support des décès simulés), 2018-2020",
        "publisher": "Atlas Santé (simulation) à partir de l'Insee (COG, populations légales 2023 ; estimations "
                     "2021)", "licence": LICENCE, "vintage": "simulation 1 (graine 20231102)", "level": "commune",
        "simulated": True, "url": "https://www.insee.fr/fr/statistiques/8680726",
        "description": "Ce jeu contient des données simulées, non observées. Population municipale de chaque commune (populations "
                       "légales millésime 2023, COG 2026), répartie par sexe selon la structure de son "
                       "département (estimations Insee 2021), reprise à l'identique pour chaque année simulée "
                       "(2018, 2019, 2020). Dénominateur des décès simulés (docs/methods/simulation.md).",
    },
    "simulation-deces": {
        "name": "SIMULATION : décès par commune et sexe, tirages de Poisson, 2018-2020 (données simulées)",
        "publisher": "Atlas Santé (simulation) à partir de l'Insee", "licence": LICENCE,
        "vintage": "simulation 1 (graine 20231102)", "level": "commune", "simulated": True,
        "url": "https://www.insee.fr/fr/statistiques/4487988",
        "description": "Ce jeu contient des données simulées, non observées : aucun de ces décès n'a été constaté. Pour chaque commune, "
                       "sexe et année, un tirage de Poisson dont l'espérance applique des taux nationaux de "
                       "mortalité par âge (courbe de Gompertz-Makeham calée chaque année sur les décès Insee de "
                       "France, 1er mars-9 novembre annualisés) à la population de la commune répartie selon la "
                       "structure par âge et sexe de son département. Graine fixe : reproductible. Sert à "
                       "montrer et tester les niveaux commune et EPCI (docs/methods/simulation.md).",
    },
}
