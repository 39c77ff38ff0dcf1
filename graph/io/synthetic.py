"""A state-sized synthetic partner network shaped like North Rhine-Westphalia's, made from a seed.

``nrw(seed)`` returns a ``GraphData`` with the 53 counties and county-free cities
of NRW (their real names and official keys) and 396 municipalities in them (the
real number per county, made-up names), about 12,000 organisations, 60,000
offers, 40,000 cooperation ties and 1,000 case-manager posts. Everything but the
county names and keys is invented and marked ``illustrative``; the same seed
always gives the same graph, byte for byte (``graphdata.checksum``).

The distributions follow what the Coesfeld network shows: most offers are local
(available in their provider's town), some reach a case-management region or
the whole county; statutory duties sit with the county, towns of 25,000 and
more have their own youth office; a few organisations are hubs (many offers,
many ties, statewide networks); cooperation stays mostly within a county.
``scale`` shrinks or grows everything but the geography, for quick tests.

>>> small = nrw(seed=7, scale=0.01)
>>> sum(1 for n in small.nodes.values() if n.kind == "Municipality")
396
>>> from kimnet.graph.model.graphdata import checksum
>>> checksum(small) == checksum(nrw(seed=7, scale=0.01))
True
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from kimnet.graph.model.domain import RESIDENCE_STATUSES
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node, Value

__all__ = ["COUNTIES", "TARGETS", "County", "nrw"]

#: What the full-size network holds (scale 1.0), roughly.
TARGETS = {"organisations": 12_000, "offers": 60_000, "cooperations": 40_000, "case_managers": 1_000}

SOURCE = "synthetic: kimnet graph/io/synthetic.py (NRW-shaped, generated from a seed)"


@dataclass(frozen=True, slots=True)
class County:
    """A county (Kreis) or county-free city (kreisfreie Stadt) of NRW."""

    name: str
    ags: str  # the official five-digit key
    municipalities: int
    population: int  # rounded, for the shape only
    city: bool = False


_KREIS = [
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

_CITIES = [
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
    [County(name, ags, n, pop) for name, ags, n, pop in _KREIS] + [County(name, ags, 1, pop, True) for name, ags, pop in _CITIES]
)

NEEDS = {
    "need:sprache": "Spracherwerb Deutsch",
    "need:sprachmittlung": "Sprachmittlung und Verständigung",
    "need:fruehkindliche-bildung": "Frühkindliche Bildung",
    "need:schule": "Schule",
    "need:ausbildung": "Ausbildung",
    "need:arbeit": "Arbeit",
    "need:aufenthalt": "Aufenthalt",
    "need:einbuergerung": "Einbürgerung",
    "need:gesundheit": "Gesundheit",
    "need:wohnen": "Wohnen",
    "need:familie-jugend": "Familie und Jugend",
    "need:existenzsicherung": "Existenzsicherung",
    "need:ehrenamt-teilhabe": "Ehrenamt und gesellschaftliche Teilhabe",
    "need:gleichstellung": "Geschlechterverständnis und Gleichstellung",
    "need:interkulturelle-oeffnung": "Interkulturelle Öffnung von Institutionen",
}

LEGAL_DOMAINS = {
    "ld:sgb-ii": ("SGB II", "Bürgergeld/Grundsicherung für Arbeitsuchende"),
    "ld:sgb-iii": ("SGB III", "Arbeitsförderung"),
    "ld:sgb-v": ("SGB V", "Gesetzliche Krankenversicherung"),
    "ld:sgb-viii": ("SGB VIII", "Kinder- und Jugendhilfe"),
    "ld:sgb-ix": ("SGB IX", "Rehabilitation und Teilhabe"),
    "ld:sgb-xii": ("SGB XII", "Sozialhilfe"),
    "ld:asylblg": ("AsylbLG", "Asylbewerberleistungsgesetz"),
    "ld:aufenthg": ("AufenthG", "Aufenthaltsgesetz"),
    "ld:stag": ("StAG", "Staatsangehörigkeitsgesetz"),
    "ld:tintg-nrw": ("TIntG NRW", "Teilhabe- und Integrationsgesetz NRW"),
    "ld:schulg-nrw": ("SchulG NRW", "Schulgesetz NRW"),
    "ld:kibiz": ("KiBiz", "Kinderbildungsgesetz NRW"),
    "ld:wbg-nrw": ("WbG NRW", "Weiterbildungsgesetz NRW"),
}

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

_KIND_WORDS = {
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

_OFFER_WORDS = {
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

_DAY0 = dt.date(2015, 1, 1)


def _slug(text: str) -> str:
    """A lowercase ASCII slug: umlauts spelt out, everything else but letters and digits a dash."""
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("Ä", "Ae").replace("Ö", "Oe")
    text = text.replace("Ü", "Ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in out.split("-") if part)


_STEMS = (
    "Alt", "Bach", "Berg", "Birk", "Brak", "Buch", "Dal", "Eich", "Elm", "Erl", "Fel", "Fisch", "Gries", "Hag", "Hasel",
    "Heil", "Hild", "Holt", "Hor", "Kal", "Kirch", "Lan", "Lind", "Lohr", "Mar", "Mehr", "Mühl", "Neu", "Nord", "Ost",
    "Rod", "Ros", "Sal", "Sand", "Schön", "Stein", "Sun", "Tann", "Ul", "Wald", "Wart", "Weid", "Wes", "Wil", "Wolf",
)  # fmt: skip
_ENDINGS = (
    "beck", "berg", "bach", "born", "brück", "dorf", "feld", "hagen", "hausen", "heim", "holz", "horst",
    "kamp", "kirchen", "lage", "loh", "rade", "scheid", "stadt", "stedt", "tal", "trop", "venne", "wede", "winkel",
)  # fmt: skip


@dataclass(slots=True)
class _Builder:
    """Collects nodes and edges, and the indexes the later steps draw from."""

    rng: random.Random
    data: GraphData = field(default_factory=GraphData)
    #: county region id -> its municipality ids, in order (the seat first)
    county_muns: dict[str, list[str]] = field(default_factory=dict)
    #: county region id -> its case-management region ids
    county_regions: dict[str, list[str]] = field(default_factory=dict)
    #: municipality id -> its case-management region id, if any
    mun_region: dict[str, str] = field(default_factory=dict)
    mun_county: dict[str, str] = field(default_factory=dict)
    population: dict[str, int] = field(default_factory=dict)
    county_orgs: dict[str, list[str]] = field(default_factory=dict)
    #: organisation id -> how strongly it attracts offers and ties (hubs have a lot)
    pull: dict[str, float] = field(default_factory=dict)
    #: organisation id -> (county, municipality, kind)
    org_home: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    #: per county: the fixed authorities by role (jobcenter, youth office, ...)
    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    statewide: list[str] = field(default_factory=list)
    programme_parts: list[str] = field(default_factory=list)

    def node(self, label: str, node_id: str, /, **props: Value | None) -> str:
        clean = {k: v for k, v in props.items() if v is not None}
        clean.setdefault("illustrative", True)
        clean.setdefault("source", SOURCE)
        assert node_id not in self.data.nodes, node_id
        self.data.nodes[node_id] = Node(label, node_id, clean)
        return node_id

    def edge(self, type_: str, source: str, target: str, /, **props: Value | None) -> bool:
        """Add an edge unless one of that type joins the two already; tell whether it was added."""
        if type_ == "COOPERATES_WITH" and target < source:
            source, target = target, source
        key = (type_, source, target)
        if key in self.data.edges or source == target:
            return False
        self.data.edges[key] = Edge(type_, source, target, {k: v for k, v in props.items() if v is not None})
        return True

    def day(self, start: int, end: int) -> dt.date:
        """A random day between the years ``start`` and ``end`` (inclusive)."""
        first, last = dt.date(start, 1, 1), dt.date(end, 12, 31)
        return first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))


class _Weighted:
    """Draw items with given weights, fast, many times (cumulative weights and bisection)."""

    def __init__(self, items: Sequence[str], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> str:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def _town_names(rng: random.Random, count: int, taken: set[str]) -> Iterator[str]:
    made = 0
    while made < count:
        name = rng.choice(_STEMS) + rng.choice(_ENDINGS)
        if rng.random() < 0.12:
            prefix = rng.choice(("Bad ", "Nieder", "Ober"))
            name = prefix + (name if prefix.endswith(" ") else name.lower())
        if _slug(name) in taken:
            continue
        taken.add(_slug(name))
        made += 1
        yield name


def _geography(b: _Builder) -> None:
    rng = b.rng
    taken = {_slug(c.name) for c in COUNTIES}
    for county in COUNTIES:
        slug = _slug(county.name)
        region = f"reg:{'stadt' if county.city else 'kreis'}-{slug}"
        plain = county.city or "reis" in county.name or county.name.startswith("Städteregion")
        label = county.name if plain else f"Kreis {county.name}"
        b.node(
            "Region",
            region,
            name=label if not county.city else f"Stadt {county.name}",
            kind="county",
            description=f"{'Kreisfreie Stadt' if county.city else 'Kreis'} in Nordrhein-Westfalen (Schlüssel {county.ags})",
            illustrative=False,
            source="Amtlicher Gemeindeschlüssel (Destatis); population rounded; the rest of the graph is synthetic",
        )
        b.county_muns[region] = []
        if county.city:
            names = [county.name]
            shares = [1.0]
        else:
            names = list(_town_names(rng, county.municipalities, taken))
            # A few towns hold most people: the seat is largest, the rest lognormal.
            shares = sorted((rng.lognormvariate(0, 0.8) for _ in names), reverse=True)
            shares[0] *= 1.6
        total = sum(shares)
        for index, (name, share) in enumerate(zip(names, shares, strict=True)):
            mun = f"mun:{_slug(name)}"
            b.population[mun] = max(2_500, int(round(county.population * share / total, -2)))
            b.node(
                "Municipality",
                mun,
                name=name,
                ags=f"{county.ags}{0 if county.city else index + 1:03d}",
                population=b.population[mun],
                populationDate=dt.date(2023, 12, 31),
            )
            b.edge("PART_OF", mun, region)
            b.county_muns[region].append(mun)
            b.mun_county[mun] = region
        b.county_regions[region] = []
        muns = b.county_muns[region]
        if len(muns) >= 8:  # larger counties split case management into two or three regions
            parts = 2 if len(muns) < 14 else 3
            for part in range(parts):
                cm = f"reg:cm-{slug}-{part + 1}"
                b.node("Region", cm, name=f"Fallmanagement-Region {part + 1} {label}", kind="cm-region")
                b.edge("PART_OF", cm, region)
                b.county_regions[region].append(cm)
                for mun in muns[part::parts]:
                    b.edge("PART_OF", mun, cm)
                    b.mun_region[mun] = cm


def _catalogue(b: _Builder) -> None:
    for need, name in NEEDS.items():
        b.node("Need", need, name=name)
    for ld, (code, name) in LEGAL_DOMAINS.items():
        b.node("LegalDomain", ld, name=name, code=code)


def _org(b: _Builder, county: str, mun: str, kind: str, name: str, pull: float, /, **props: Value | None) -> str:
    base = f"org:{_slug(name)}"[:70]
    org_id, n = base, 1
    while org_id in b.data.nodes:
        n += 1
        org_id = f"{base}-{n}"
    b.node("Organisation", org_id, name=name, kind=kind, **props)
    b.edge("LOCATED_IN", org_id, mun)
    b.county_orgs.setdefault(county, []).append(org_id)
    b.pull[org_id] = pull
    b.org_home[org_id] = (county, mun, kind)
    return org_id


def _organisations(b: _Builder, total: int) -> None:
    rng = b.rng
    # Statewide hubs: funders and state offices that fund, steer and tie the network together.
    capital = "reg:stadt-duesseldorf"
    seat = b.county_muns[capital][0]
    for name, kind, short in (
        ("Ministerium für Kinder, Jugend, Familie, Gleichstellung, Flucht und Integration NRW", "funder", "MKJFGFI"),
        ("Landesweite Koordinierungsstelle Kommunale Integrationszentren", "authority", "LaKI"),
        ("Bezirksregierung Arnsberg, Dezernat Integration", "authority", None),
        ("Bundesamt für Migration und Flüchtlinge, Regionalstelle NRW", "funder", "BAMF"),
        ("Regionaldirektion NRW der Bundesagentur für Arbeit", "authority", "RD NRW"),
        ("Landesverband der Freien Wohlfahrtspflege NRW", "welfare", "LAG FW"),
        ("Landesintegrationsrat NRW", "initiative", None),
        ("Flüchtlingsrat NRW", "initiative", None),
    ):
        b.statewide.append(_org(b, capital, seat, kind, name, 60.0, shortName=short))
    for county, muns in b.county_muns.items():
        label = b.data.nodes[county].name
        seat = muns[0]
        roles = {
            "admin": _org(b, county, seat, "authority", f"{label} (Verwaltung)", 8.0),
            "ki": _org(b, county, seat, "authority", f"Kommunales Integrationszentrum {label}", 10.0, shortName="KI"),
            "jobcenter": _org(b, county, seat, "authority", f"Jobcenter {label}", 8.0),
            "agentur": _org(b, county, seat, "authority", f"Agentur für Arbeit, Geschäftsstelle {label}", 5.0),
            "abh": _org(b, county, seat, "authority", f"Ausländerbehörde {label}", 5.0, shortName="ABH"),
            "youth": _org(b, county, seat, "authority", f"Jugendamt {label}", 6.0),
            "social": _org(b, county, seat, "authority", f"Sozialamt {label}", 4.0),
        }
        for word in ("Caritasverband", "Diakonie", "AWO", "DRK"):  # the big welfare associations: regional hubs
            roles[word] = _org(b, county, seat, "welfare", f"{word} {label}", 15.0)
        roles["vhs"] = _org(b, county, seat, "education", f"Volkshochschule {label}", 12.0)
        for mun in muns[1:] if len(muns) > 1 else ():
            town = b.data.nodes[mun].name
            roles[f"town:{mun}"] = _org(b, county, mun, "authority", f"Gemeindeverwaltung {town}", 2.0)
            if b.population[mun] >= 25_000:
                roles[f"youth:{mun}"] = _org(b, county, mun, "authority", f"Jugendamt der Stadt {town}", 3.0)
        b.roles[county] = roles
    # The rest: spread over towns by population, each with a heavy-tailed pull (a few local hubs).
    muns = [m for ms in b.county_muns.values() for m in ms]
    by_people = _Weighted(muns, [b.population[m] ** 0.85 for m in muns])
    kinds = _Weighted(list(KIND_SHARES), [float(v) for v in KIND_SHARES.values()])
    counters: dict[tuple[str, str], int] = {}
    while len(b.org_home) < total:
        mun = by_people.draw(rng)
        kind = kinds.draw(rng)
        word = rng.choice(_KIND_WORDS[kind])
        town = b.data.nodes[mun].name
        n = counters[(word, mun)] = counters.get((word, mun), 0) + 1
        name = f"{word} {town}" + (f" {n}" if n > 1 else "")
        _org(b, b.mun_county[mun], mun, kind, name, min(rng.paretovariate(1.6), 40.0))


def _programmes(b: _Builder) -> None:
    funders = {"state": b.statewide[0], "federal": b.statewide[3], "county": b.statewide[1]}
    for prog, name, level, start, end, parts in PROGRAMMES:
        b.node(
            "Programme",
            prog,
            name=name,
            level=level,
            validFrom=dt.date(*start),
            validTo=dt.date(*end) if end else None,
        )
        b.edge("FUNDED_BY", prog, funders[level])
        for index, part in enumerate(parts, 1):
            part_id = f"{prog}-{_slug(part)}"
            b.node("Programme", part_id, name=f"{name}, {part}", level=level, number=str(index))
            b.edge("PART_OF", part_id, prog)
            b.programme_parts.append(part_id)
        if not parts:
            b.programme_parts.append(prog)


def _statutory(b: _Builder) -> int:
    """The duties: one offer per county and domain, and the towns' own youth offices and benefits offices."""
    made = 0

    def duty(county: str, org: str, area: str, title: str, domain: str, needs: tuple[str, ...]) -> None:
        nonlocal made
        made += 1
        svc = b.node("Service", f"svc:{_slug(title)}"[:90], name=title, statutory=True, illustrative=True)
        b.edge("PROVIDES", org, svc)
        b.edge("UNDER", svc, domain)
        b.edge("AVAILABLE_IN", svc, area)
        for need in needs:
            b.edge("ADDRESSES", svc, need)

    for county, roles in b.roles.items():
        label = b.data.nodes[county].name
        duty(
            county,
            roles["jobcenter"],
            county,
            f"Grundsicherung für Arbeitsuchende {label}",
            "ld:sgb-ii",
            ("need:arbeit", "need:existenzsicherung"),
        )
        duty(county, roles["agentur"], county, f"Arbeitsförderung {label}", "ld:sgb-iii", ("need:arbeit", "need:ausbildung"))
        duty(county, roles["youth"], county, f"Hilfen zur Erziehung {label}", "ld:sgb-viii", ("need:familie-jugend",))
        duty(county, roles["social"], county, f"Sozialhilfe {label}", "ld:sgb-xii", ("need:existenzsicherung", "need:wohnen"))
        duty(county, roles["abh"], county, f"Aufenthaltsrecht {label}", "ld:aufenthg", ("need:aufenthalt",))
        duty(county, roles["abh"], county, f"Einbürgerung {label}", "ld:stag", ("need:einbuergerung",))
        for mun in b.county_muns[county]:
            town = b.data.nodes[mun].name
            office = roles.get(f"town:{mun}", roles["social"])
            duty(
                county,
                office,
                mun,
                f"Leistungen nach dem AsylbLG {town}",
                "ld:asylblg",
                ("need:existenzsicherung", "need:wohnen"),
            )
            if f"youth:{mun}" in roles:  # a town with its own youth office: it, not the county's, is responsible
                duty(county, roles[f"youth:{mun}"], mun, f"Hilfen zur Erziehung {town}", "ld:sgb-viii", ("need:familie-jugend",))
    return made


def _offers(b: _Builder, total: int) -> None:
    rng = b.rng
    orgs = [o for o in b.org_home if b.org_home[o][2] != "funder"]
    providers = _Weighted(orgs, [b.pull[o] for o in orgs])
    counters: dict[str, int] = {}
    statuses = list(RESIDENCE_STATUSES)
    own_needs = {kind: _Weighted(needs, [NEED_WEIGHTS[n] for n in needs]) for kind, needs in KIND_NEEDS.items()}
    any_need = _Weighted(list(NEED_WEIGHTS), list(NEED_WEIGHTS.values()))
    made = 0
    while made < total:
        org = providers.draw(rng)
        county, mun, kind = b.org_home[org]
        needs = [own_needs[kind].draw(rng)]
        if rng.random() < 0.3:
            needs.append(any_need.draw(rng))
        needs = list(dict.fromkeys(needs))
        word = rng.choice(_OFFER_WORDS[needs[0]])
        n = counters[org] = counters.get(org, 0) + 1
        svc = f"svc:{org[4:]}-{n}"
        props: dict[str, Value | None] = {"name": f"{word} ({b.data.nodes[org].name})", "statutory": False}
        roll = rng.random()
        if roll < 0.3:
            low = rng.choice((0, 3, 6, 12, 14, 16, 18, 25))
            props["minAge"] = low
            props["maxAge"] = low + rng.choice((3, 6, 9, 12, 20, 40))
        elif roll < 0.4:
            props["minAge"] = 18
        if rng.random() < 0.2:
            props["residenceStatuses"] = tuple(sorted(rng.sample(statuses, rng.randint(1, 4))))
        if rng.random() < 0.25:
            props["languages"] = tuple(sorted(rng.sample(LANGUAGES, rng.randint(1, 3))))
        if rng.random() < 0.5:
            props["capacity"] = rng.choice((5, 8, 10, 12, 15, 20, 25, 30, 50))
        validity = rng.random()
        if validity < 0.1:
            props["validFrom"] = b.day(2019, 2024)
        elif validity < 0.25:
            props["validFrom"] = b.day(2016, 2020)
            props["validTo"] = b.day(2021, 2027)
        b.node("Service", svc, **props)
        b.edge("PROVIDES", org, svc)
        if rng.random() < 0.05:  # a joint offer with another organisation of the county
            b.edge("PROVIDES", rng.choice(b.county_orgs[county]), svc)
        for need in needs:
            b.edge("ADDRESSES", svc, need)
            b.edge("UNDER", svc, rng.choice(NEED_DOMAINS[need]))
        reach = rng.random()
        muns = b.county_muns[county]
        if reach < 0.74 or len(muns) == 1:
            b.edge("AVAILABLE_IN", svc, mun)
        elif reach < 0.86:
            for other in sorted({mun, *rng.sample(muns, min(len(muns), rng.randint(1, 3)))}):
                b.edge("AVAILABLE_IN", svc, other)
        elif reach < 0.93 and mun in b.mun_region:
            b.edge("AVAILABLE_IN", svc, b.mun_region[mun])
        else:
            b.edge("AVAILABLE_IN", svc, county)
        if rng.random() < 0.25:
            b.edge("FUNDED_BY", svc, rng.choice(b.programme_parts))
        made += 1


def _cooperation(b: _Builder, total: int) -> None:
    rng = b.rng
    everyone = list(b.org_home)
    anywhere = _Weighted(everyone, [b.pull[o] ** 1.5 for o in everyone])
    local = {c: _Weighted(orgs, [b.pull[o] for o in orgs]) for c, orgs in b.county_orgs.items()}
    kinds = ("referral", "contract", "joint offer", "network", "referral", "referral")
    made = 0
    while made < total:
        a = anywhere.draw(rng)
        county = b.org_home[a][0]
        other = local[county].draw(rng) if rng.random() < 0.85 else anywhere.draw(rng)
        if b.edge("COOPERATES_WITH", a, other, kind=rng.choice(kinds), since=b.day(2010, 2024)):
            made += 1


def _working_groups(b: _Builder) -> None:
    rng = b.rng
    state = b.node(
        "WorkingGroup", "wg:landesnetzwerk-ki", name="Landesnetzwerk der Kommunalen Integrationszentren", kind="network"
    )
    for org in b.statewide:
        b.edge("MEMBER_OF", org, state, role="member", since=dt.date(2013, 1, 1))
    forum = b.node("WorkingGroup", "wg:landesforum-kim", name="Landesforum Kommunales Integrationsmanagement", kind="forum")
    for county, roles in b.roles.items():
        slug = county.split("-", 1)[1]
        label = b.data.nodes[county].name
        b.edge("MEMBER_OF", roles["ki"], state, role="member", since=dt.date(2013, 1, 1))
        b.edge("MEMBER_OF", roles["admin"], forum, role="member", since=dt.date(2020, 6, 1))
        steering = b.node("WorkingGroup", f"wg:lenkung-{slug}", name=f"Lenkungsgruppe KIM {label}", kind="steering-group")
        for role in ("admin", "ki", "jobcenter", "agentur", "abh", "youth", "social", "Caritasverband", "Diakonie"):
            b.edge("MEMBER_OF", roles[role], steering, role="chair" if role == "ki" else "member", since=dt.date(2020, 9, 1))
        network = b.node("WorkingGroup", f"wg:netzwerk-{slug}", name=f"Netzwerk Integration {label}", kind="network")
        members = b.county_orgs[county]
        pulls = _Weighted(members, [b.pull[o] for o in members])
        for _ in range(min(len(members), rng.randint(20, 45))):
            b.edge("MEMBER_OF", pulls.draw(rng), network, role="member", since=b.day(2014, 2022))
        b.edge("MEMBER_OF", roles["ki"], network, role="chair", since=dt.date(2014, 1, 1))
        for index, topic in enumerate(rng.sample(list(NEEDS.values()), rng.randint(3, 6)), 1):
            group = b.node("WorkingGroup", f"wg:ag-{slug}-{index}", name=f"AG {topic} {label}", kind="working-group")
            b.edge("PART_OF", group, network)
            for _ in range(rng.randint(6, 18)):
                b.edge("MEMBER_OF", pulls.draw(rng), group, role="member", since=b.day(2016, 2023))


def _case_managers(b: _Builder, total: int) -> None:
    rng = b.rng
    people = {c: sum(b.population[m] for m in ms) for c, ms in b.county_muns.items()}
    everybody = sum(people.values())
    made = 0
    for county, muns in b.county_muns.items():
        roles = b.roles[county]
        posts = max(3, round(total * people[county] / everybody))
        employers = [roles["admin"], roles["jobcenter"], roles["Caritasverband"], roles["Diakonie"], roles["AWO"]]
        slug = county.split("-", 1)[1]
        for n in range(1, posts + 1):
            post = f"cm:{slug}-{n}"
            b.node(
                "CaseManager",
                post,
                name=f"Case Management KIM {b.data.nodes[county].name} {n}",
                fte=rng.choice((0.5, 0.75, 1.0, 1.0)),
                languages=tuple(sorted(rng.sample(LANGUAGES, rng.randint(0, 2)))) or None,
                validFrom=dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(700)),
            )
            b.edge("EMPLOYED_BY", post, rng.choice(employers))
            b.edge("SUPERVISED_BY", post, roles["ki"])
            start = (n - 1) % len(muns)
            for mun in muns[start : start + rng.randint(1, 4)] or muns[:1]:
                b.edge("COVERS", post, mun)
            made += 1


def nrw(seed: int = 1, scale: float = 1.0) -> GraphData:
    """Make the NRW-shaped network for ``seed``; ``scale`` multiplies organisations, offers, ties and posts.

    The geography (53 counties and county-free cities, 396 municipalities) stays
    at every scale. Raises ValueError for a scale that is not positive.
    """
    if not scale > 0:
        raise ValueError(f"scale must be above 0, not {scale}")
    b = _Builder(random.Random(seed))
    _geography(b)
    _catalogue(b)
    _organisations(b, max(round(TARGETS["organisations"] * scale), 0))
    _programmes(b)
    duties = _statutory(b)
    _offers(b, max(round(TARGETS["offers"] * scale) - duties, 0))
    _cooperation(b, round(TARGETS["cooperations"] * scale))
    _working_groups(b)
    _case_managers(b, round(TARGETS["case_managers"] * scale))
    return b.data
