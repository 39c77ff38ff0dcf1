"""A state-sized synthetic partner network shaped like North Rhine-Westphalia's, made from a seed.

``nrw(seed)`` returns a ``GraphData`` with the 53 counties and county-free cities
of NRW (their real names and official keys; the tables are ``graph.io.synthetic_tables``)
and 396 municipalities in them (the
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

import datetime as dt
import random
from collections.abc import Iterator
from importlib import resources

from kimnet.graph.io.seedfile import parse_seed_files
from kimnet.graph.io.synthetic_builder import Builder, Weighted, slug
from kimnet.graph.io.synthetic_tables import (
    COUNTIES,
    KIND_NEEDS,
    KIND_SHARES,
    KIND_WORDS,
    LANGUAGES,
    NEED_DOMAINS,
    NEED_WEIGHTS,
    OFFER_WORDS,
    PROGRAMMES,
    TOWN_ENDINGS,
    TOWN_STEMS,
    County,
)
from kimnet.graph.model.domain import RESIDENCE_STATUSES
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Value

__all__ = ["COUNTIES", "TARGETS", "County", "nrw"]

#: What the full-size network holds (scale 1.0), roughly.
TARGETS = {"organisations": 12_000, "offers": 60_000, "cooperations": 40_000, "case_managers": 1_000}

#: The seed files that declare the needs and legal domains every network shares.
_CATALOGUE_FILES = ("needs.toml", "legal_domains.toml")


_DAY0 = dt.date(2015, 1, 1)


def _town_names(rng: random.Random, count: int, taken: set[str]) -> Iterator[str]:
    made = 0
    while made < count:
        name = rng.choice(TOWN_STEMS) + rng.choice(TOWN_ENDINGS)
        if rng.random() < 0.12:
            prefix = rng.choice(("Bad ", "Nieder", "Ober"))
            name = prefix + (name if prefix.endswith(" ") else name.lower())
        if slug(name) in taken:
            continue
        taken.add(slug(name))
        made += 1
        yield name


def _geography(b: Builder) -> None:
    rng = b.rng
    taken = {slug(c.name) for c in COUNTIES}
    for county in COUNTIES:
        county_slug = slug(county.name)
        region = f"reg:{'stadt' if county.city else 'kreis'}-{county_slug}"
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
            mun = f"mun:{slug(name)}"
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
                cm = f"reg:cm-{county_slug}-{part + 1}"
                b.node("Region", cm, name=f"Fallmanagement-Region {part + 1} {label}", kind="cm-region")
                b.edge("PART_OF", cm, region)
                b.county_regions[region].append(cm)
                for mun in muns[part::parts]:
                    b.edge("PART_OF", mun, cm)
                    b.mun_region[mun] = cm


def _catalogue(b: Builder) -> None:
    """The needs and legal domains, as the Coesfeld seed declares them (the one place they are declared)."""
    seed = resources.files("kimnet.seeds.coesfeld")
    declared = parse_seed_files({name: seed.joinpath(name).read_text(encoding="utf-8") for name in _CATALOGUE_FILES})
    named = set(NEED_WEIGHTS) | {d for domains in NEED_DOMAINS.values() for d in domains}
    if missing := sorted(named - set(declared.nodes)):
        raise ValueError(f"the synthetic tables name {missing}, which the Coesfeld seed does not declare")
    for node in declared.nodes.values():
        b.data.nodes[node.id] = node
        if node.kind == "Need":
            b.need_names[node.id] = node.name


def _org(b: Builder, county: str, mun: str, kind: str, name: str, pull: float, /, **props: Value | None) -> str:
    base = f"org:{slug(name)}"[:70]
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


def _organisations(b: Builder, total: int) -> None:
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
    by_people = Weighted(muns, [b.population[m] ** 0.85 for m in muns])
    kinds = Weighted(list(KIND_SHARES), [float(v) for v in KIND_SHARES.values()])
    counters: dict[tuple[str, str], int] = {}
    while len(b.org_home) < total:
        mun = by_people.draw(rng)
        kind = kinds.draw(rng)
        word = rng.choice(KIND_WORDS[kind])
        town = b.data.nodes[mun].name
        n = counters[(word, mun)] = counters.get((word, mun), 0) + 1
        name = f"{word} {town}" + (f" {n}" if n > 1 else "")
        _org(b, b.mun_county[mun], mun, kind, name, min(rng.paretovariate(1.6), 40.0))


def _programmes(b: Builder) -> None:
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
            part_id = f"{prog}-{slug(part)}"
            b.node("Programme", part_id, name=f"{name}, {part}", level=level, number=str(index))
            b.edge("PART_OF", part_id, prog)
            b.programme_parts.append(part_id)
        if not parts:
            b.programme_parts.append(prog)


def _statutory(b: Builder) -> int:
    """The duties: one offer per county and domain, and the towns' own youth offices and benefits offices."""
    made = 0

    def duty(county: str, org: str, area: str, title: str, domain: str, needs: tuple[str, ...]) -> None:
        nonlocal made
        made += 1
        svc = b.node("Service", f"svc:{slug(title)}"[:90], name=title, statutory=True, illustrative=True)
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


def _offers(b: Builder, total: int) -> None:
    rng = b.rng
    orgs = [o for o in b.org_home if b.org_home[o][2] != "funder"]
    providers = Weighted(orgs, [b.pull[o] for o in orgs])
    counters: dict[str, int] = {}
    statuses = list(RESIDENCE_STATUSES)
    own_needs = {kind: Weighted(needs, [NEED_WEIGHTS[n] for n in needs]) for kind, needs in KIND_NEEDS.items()}
    any_need = Weighted(list(NEED_WEIGHTS), list(NEED_WEIGHTS.values()))
    made = 0
    while made < total:
        org = providers.draw(rng)
        county, mun, kind = b.org_home[org]
        needs = [own_needs[kind].draw(rng)]
        if rng.random() < 0.3:
            needs.append(any_need.draw(rng))
        needs = list(dict.fromkeys(needs))
        word = rng.choice(OFFER_WORDS[needs[0]])
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


def _cooperation(b: Builder, total: int) -> None:
    rng = b.rng
    everyone = list(b.org_home)
    anywhere = Weighted(everyone, [b.pull[o] ** 1.5 for o in everyone])
    local = {c: Weighted(orgs, [b.pull[o] for o in orgs]) for c, orgs in b.county_orgs.items()}
    kinds = ("referral", "contract", "joint offer", "network", "referral", "referral")
    made = 0
    while made < total:
        a = anywhere.draw(rng)
        county = b.org_home[a][0]
        other = local[county].draw(rng) if rng.random() < 0.85 else anywhere.draw(rng)
        if b.edge("COOPERATES_WITH", a, other, kind=rng.choice(kinds), since=b.day(2010, 2024)):
            made += 1


def _working_groups(b: Builder) -> None:
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
        pulls = Weighted(members, [b.pull[o] for o in members])
        for _ in range(min(len(members), rng.randint(20, 45))):
            b.edge("MEMBER_OF", pulls.draw(rng), network, role="member", since=b.day(2014, 2022))
        b.edge("MEMBER_OF", roles["ki"], network, role="chair", since=dt.date(2014, 1, 1))
        for index, topic in enumerate(rng.sample(list(b.need_names.values()), rng.randint(3, 6)), 1):
            group = b.node("WorkingGroup", f"wg:ag-{slug}-{index}", name=f"AG {topic} {label}", kind="working-group")
            b.edge("PART_OF", group, network)
            for _ in range(rng.randint(6, 18)):
                b.edge("MEMBER_OF", pulls.draw(rng), group, role="member", since=b.day(2016, 2023))


def _case_managers(b: Builder, total: int) -> None:
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
    b = Builder(random.Random(seed))
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
