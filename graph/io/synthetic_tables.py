"""The tables the synthetic NRW network is drawn from: counties, and how offers and organisations spread.

The counties and county-free cities are NRW's real ones (names, official keys, the
real number of municipalities, rounded populations); the distributions are read
off the Coesfeld network. The needs and legal domains themselves are not here: they
are the Coesfeld seed's (``seeds/coesfeld``), the one place their names, codes and
whom a need concerns are declared; these tables name them by id only.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CITIES",
    "COUNTIES",
    "KIND_NEEDS",
    "KIND_SHARES",
    "KIND_WORDS",
    "KREISE",
    "LANGUAGES",
    "NEED_DOMAINS",
    "NEED_WEIGHTS",
    "OFFER_WORDS",
    "PROGRAMMES",
    "TOWN_ENDINGS",
    "TOWN_STEMS",
    "County",
]


@dataclass(frozen=True, slots=True)
class County:
    """A county (Kreis) or county-free city (kreisfreie Stadt) of NRW."""

    name: str
    ags: str  # the official five-digit key
    municipalities: int
    population: int  # rounded, for the shape only
    city: bool = False


KREISE = [
    # Regierungsbezirk Düsseldorf
    ("Kleve", "05154", 16, 315_000),
    ("Mettmann", "05158", 10, 485_000),
    ("Rhein-Kreis Neuss", "05162", 8, 451_000),
    ("Viersen", "05166", 9, 298_000),
    ("Wesel", "05170", 13, 460_000),
    # Köln
    ("Städteregion Aachen", "05334", 10, 557_000),
    ("Düren", "05358", 15, 265_000),
    ("Rhein-Erft-Kreis", "05362", 10, 470_000),
    ("Euskirchen", "05366", 11, 193_000),
    ("Heinsberg", "05370", 10, 256_000),
    ("Oberbergischer Kreis", "05374", 13, 272_000),
    ("Rheinisch-Bergischer Kreis", "05378", 8, 283_000),
    ("Rhein-Sieg-Kreis", "05382", 19, 600_000),
    # Münster
    ("Borken", "05554", 17, 372_000),
    ("Coesfeld", "05558", 11, 221_000),
    ("Recklinghausen", "05562", 10, 615_000),
    ("Steinfurt", "05566", 24, 450_000),
    ("Warendorf", "05570", 13, 278_000),
    # Detmold
    ("Gütersloh", "05754", 13, 368_000),
    ("Herford", "05758", 9, 250_000),
    ("Höxter", "05762", 10, 140_000),
    ("Lippe", "05766", 16, 348_000),
    ("Minden-Lübbecke", "05770", 11, 312_000),
    ("Paderborn", "05774", 10, 308_000),
    # Arnsberg
    ("Ennepe-Ruhr-Kreis", "05954", 9, 322_000),
    ("Hochsauerlandkreis", "05958", 12, 260_000),
    ("Märkischer Kreis", "05962", 15, 410_000),
    ("Olpe", "05966", 7, 134_000),
    ("Siegen-Wittgenstein", "05970", 11, 276_000),
    ("Soest", "05974", 14, 301_000),
    ("Unna", "05978", 10, 394_000),
]

CITIES = [
    ("Düsseldorf", "05111", 620_000),
    ("Duisburg", "05112", 500_000),
    ("Essen", "05113", 580_000),
    ("Krefeld", "05114", 227_000),
    ("Mönchengladbach", "05116", 260_000),
    ("Mülheim an der Ruhr", "05117", 170_000),
    ("Oberhausen", "05119", 210_000),
    ("Remscheid", "05120", 111_000),
    ("Solingen", "05122", 159_000),
    ("Wuppertal", "05124", 355_000),
    ("Bonn", "05314", 330_000),
    ("Köln", "05315", 1_080_000),
    ("Leverkusen", "05316", 163_000),
    ("Bottrop", "05512", 117_000),
    ("Gelsenkirchen", "05513", 260_000),
    ("Münster", "05515", 315_000),
    ("Bielefeld", "05711", 335_000),
    ("Bochum", "05911", 365_000),
    ("Dortmund", "05913", 590_000),
    ("Hagen", "05914", 189_000),
    ("Hamm", "05915", 180_000),
    ("Herne", "05916", 156_000),
]

#: The 31 counties and 22 county-free cities: 374 + 22 = 396 municipalities.
COUNTIES: tuple[County, ...] = tuple(
    [County(name, ags, n, pop) for name, ags, n, pop in KREISE] + [County(name, ags, 1, pop, True) for name, ags, pop in CITIES]
)

#: The legal domains an offer for a need usually falls under, most likely first.
NEED_DOMAINS = {
    "need:sprache": ("ld:tintg-nrw", "ld:aufenthg", "ld:wbg-nrw", "ld:sgb-ii"),
    "need:sprachmittlung": ("ld:tintg-nrw",),
    "need:fruehkindliche-bildung": ("ld:kibiz", "ld:sgb-viii"),
    "need:schule": ("ld:schulg-nrw", "ld:tintg-nrw"),
    "need:ausbildung": ("ld:sgb-iii", "ld:sgb-ii", "ld:sgb-viii"),
    "need:arbeit": ("ld:sgb-ii", "ld:sgb-iii"),
    "need:aufenthalt": ("ld:aufenthg", "ld:tintg-nrw"),
    "need:einbuergerung": ("ld:stag",),
    "need:gesundheit": ("ld:sgb-v", "ld:sgb-ix"),
    "need:wohnen": ("ld:sgb-xii", "ld:sgb-ii", "ld:asylblg"),
    "need:familie-jugend": ("ld:sgb-viii",),
    "need:existenzsicherung": ("ld:sgb-ii", "ld:sgb-xii", "ld:asylblg"),
    "need:ehrenamt-teilhabe": ("ld:tintg-nrw",),
    "need:gleichstellung": ("ld:tintg-nrw", "ld:sgb-viii"),
    "need:interkulturelle-oeffnung": ("ld:tintg-nrw",),
}

#: How common offers for each need are: language and work are everywhere, equality work is rare.
NEED_WEIGHTS = {
    "need:sprache": 10.0,
    "need:ausbildung": 8.0,
    "need:arbeit": 8.0,
    "need:familie-jugend": 8.0,
    "need:schule": 6.0,
    "need:wohnen": 5.0,
    "need:existenzsicherung": 5.0,
    "need:gesundheit": 4.0,
    "need:fruehkindliche-bildung": 3.0,
    "need:aufenthalt": 3.0,
    "need:ehrenamt-teilhabe": 3.0,
    "need:sprachmittlung": 1.0,
    "need:einbuergerung": 0.4,
    "need:gleichstellung": 0.25,
    "need:interkulturelle-oeffnung": 0.15,
}

#: Which needs each kind of organisation tends to address.
KIND_NEEDS = {
    "authority": (
        "need:aufenthalt",
        "need:arbeit",
        "need:familie-jugend",
        "need:existenzsicherung",
        "need:interkulturelle-oeffnung",
    ),
    "welfare": (
        "need:familie-jugend",
        "need:wohnen",
        "need:existenzsicherung",
        "need:sprachmittlung",
        "need:gesundheit",
        "need:ehrenamt-teilhabe",
    ),
    "education": ("need:sprache", "need:schule", "need:ausbildung", "need:fruehkindliche-bildung", "need:arbeit"),
    "initiative": ("need:ehrenamt-teilhabe", "need:sprache", "need:sprachmittlung", "need:wohnen", "need:gleichstellung"),
    "counselling": ("need:aufenthalt", "need:einbuergerung", "need:arbeit", "need:familie-jugend", "need:gleichstellung"),
    "health": ("need:gesundheit", "need:familie-jugend"),
    "research": ("need:interkulturelle-oeffnung",),
    "funder": ("need:interkulturelle-oeffnung",),
}

#: Share of the organisations of each kind, beyond the fixed ones every county has.
KIND_SHARES = {"initiative": 30, "welfare": 22, "education": 22, "counselling": 13, "health": 11, "research": 2}

KIND_WORDS = {
    "initiative": ("Flüchtlingshilfe", "Willkommensinitiative", "Begegnungscafé", "Patenschaftsnetz", "Nachbarschaftshilfe"),
    "welfare": ("Caritasverband", "Diakonie", "AWO", "DRK", "Paritätischer Dienst", "Sozialdienst katholischer Frauen"),
    "education": (
        "Volkshochschule",
        "Berufskolleg",
        "Bildungswerk",
        "Sprachschule",
        "Ausbildungszentrum",
        "Familienbildungsstätte",
    ),
    "counselling": ("Migrationsberatung", "Jugendmigrationsdienst", "Flüchtlingsberatung", "Schuldnerberatung", "Frauenberatung"),
    "health": (
        "Gesundheitsamt-Außenstelle",
        "Psychosoziales Zentrum",
        "Hebammennetz",
        "Praxisnetz",
        "Sozialpsychiatrischer Dienst",
    ),
    "research": ("Institut für Integrationsforschung", "Hochschule"),
}

OFFER_WORDS = {
    "need:sprache": ("Deutschkurs", "Sprachcafé", "Integrationskurs", "Berufssprachkurs"),
    "need:sprachmittlung": ("Sprachmittlung", "Dolmetscherpool"),
    "need:fruehkindliche-bildung": ("Eltern-Kind-Gruppe", "Kita-Einstieg"),
    "need:schule": ("Hausaufgabenhilfe", "Seiteneinsteigerberatung", "Lernförderung"),
    "need:ausbildung": ("Ausbildungsbegleitung", "Berufsorientierung", "Einstiegsqualifizierung"),
    "need:arbeit": ("Jobcoaching", "Anerkennungsberatung", "Arbeitsmarktprojekt"),
    "need:aufenthalt": ("Aufenthaltsberatung", "Bleibeperspektive"),
    "need:einbuergerung": ("Einbürgerungsberatung",),
    "need:gesundheit": ("Gesundheitslotsen", "Traumaberatung"),
    "need:wohnen": ("Wohnungslotsen", "Auszugsmanagement"),
    "need:familie-jugend": ("Familienberatung", "Jugendtreff", "Frühe Hilfen"),
    "need:existenzsicherung": ("Sozialberatung", "Leistungsberatung"),
    "need:ehrenamt-teilhabe": ("Ehrenamtsbörse", "Begegnungsprojekt"),
    "need:gleichstellung": ("Frauentreff", "Mädchen- und Jungenprojekt"),
    "need:interkulturelle-oeffnung": ("Interkulturelle Schulung", "Fachkräfteforum"),
}

LANGUAGES = ("ar", "fa", "tr", "ru", "uk", "en", "fr", "ku", "ti", "ro", "pl", "sq")

#: Programmes (id, name, level, validity) and their parts (id suffix, name).
PROGRAMMES = (
    ("prog:kim", "Kommunales Integrationsmanagement NRW", "state", (2020, 1, 1), None, ("Modul I", "Modul II", "Modul III")),
    (
        "prog:durchstarten",
        "Durchstarten in Ausbildung und Arbeit",
        "state",
        (2019, 1, 1),
        (2022, 12, 31),
        ("Baustein 1", "Baustein 2", "Baustein 3", "Baustein 4", "Baustein 5", "Baustein 6"),
    ),
    ("prog:komm-an-nrw", "KOMM-AN NRW", "state", (2016, 1, 1), None, ()),
    ("prog:integrationskurse", "Integrationskurse", "federal", (2005, 1, 1), None, ()),
    ("prog:mbe", "Migrationsberatung für erwachsene Zugewanderte", "federal", (2005, 1, 1), None, ()),
    ("prog:jmd", "Jugendmigrationsdienste", "federal", (2005, 1, 1), None, ()),
    ("prog:rucksack", "Rucksack", "county", (2010, 1, 1), None, ("Kita", "Schule")),
    ("prog:griffbereit", "Griffbereit", "county", (2012, 1, 1), (2025, 6, 30), ()),
)

#: Made-up town names are a stem and an ending, as Westphalian names are built.
TOWN_STEMS = (
    "Alt", "Bach", "Berg", "Birk", "Brak", "Buch", "Dal", "Eich", "Elm", "Erl", "Fel", "Fisch", "Gries", "Hag", "Hasel",
    "Heil", "Hild", "Holt", "Hor", "Kal", "Kirch", "Lan", "Lind", "Lohr", "Mar", "Mehr", "Mühl", "Neu", "Nord", "Ost",
    "Rod", "Ros", "Sal", "Sand", "Schön", "Stein", "Sun", "Tann", "Ul", "Wald", "Wart", "Weid", "Wes", "Wil", "Wolf",
)  # fmt: skip
TOWN_ENDINGS = (
    "beck", "berg", "bach", "born", "brück", "dorf", "feld", "hagen", "hausen", "heim", "holz", "horst",
    "kamp", "kirchen", "lage", "loh", "rade", "scheid", "stadt", "stedt", "tal", "trop", "venne", "wede", "winkel",
)  # fmt: skip
