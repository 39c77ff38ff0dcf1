"""The domain model of the partner network, declared once.

Every node kind and relationship kind that kimnet knows is listed here, with its
properties and, for relationships, the pairs of node kinds it may connect. Seed
loading, both stores, the GraphQL schema and the exports read this module;
nothing else names a label or a relationship type.

>>> MODEL.kind_of("mun:duelmen").label
'Municipality'
>>> MODEL.rel("PROVIDES").allows("Organisation", "Service")
True
"""

from __future__ import annotations

from kimnet.graph.model.kinds import Model, NodeKind, Prop, PropType, RelKind

__all__ = ["MODEL", "NEED_AUDIENCES", "NODE_KINDS", "ORGANISATION_KINDS", "REL_KINDS", "RESIDENCE_STATUSES"]


def _p(
    name: str,
    type_: PropType,
    doc: str,
    *,
    required: bool = False,
    choices: tuple[str, ...] | None = None,
    choices_label: str | None = None,
) -> Prop:
    return Prop(name, type_, doc, required, frozenset(choices) if choices is not None else None, choices_label)


TEXT, WHOLE, NUMBER, FLAG, DAY, TEXTS = (
    PropType.STRING,
    PropType.INT,
    PropType.FLOAT,
    PropType.BOOL,
    PropType.DATE,
    PropType.STRINGS,
)

#: Residence statuses as the case input and offers' eligibility name them.
RESIDENCE_STATUSES = (
    "deutsch",  # German citizen, naturalised or by birth
    "eu",  # EU citizen with freedom of movement
    "niederlassungserlaubnis",  # settlement permit
    "aufenthaltserlaubnis",  # residence permit (including protection status)
    "gestattung",  # Aufenthaltsgestattung: asylum procedure pending
    "duldung",  # tolerated stay: deportation suspended
)

#: Whom a need concerns (``graph.rules.applicability``).
NEED_AUDIENCES = ("person", "household", "organisation")
_ISO_639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en "
    "eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja "
    "jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb "
    "nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq "
    "sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
)
#: ISO 639-1: the two-letter language codes the API documents for ``languages``.
ISO_639_1 = tuple(_ISO_639_1_CODES.split())
_LANGUAGE_CODES = "ISO 639-1 codes (two lowercase letters: de, ar, ti)"

ORGANISATION_KINDS = (
    "authority",  # county, municipal and state offices
    "welfare",  # welfare associations (Wohlfahrtsverbände)
    "education",  # schools, adult education, training centres
    "initiative",  # volunteer refugee initiatives
    "funder",  # ministries and other funders
    "counselling",  # migration and other counselling services
    "health",  # health and psychiatric services
    "research",  # universities, consultancies
)

#: Properties every node kind has.
_COMMON = (
    _p("name", TEXT, "Name as the source material or the organisation uses it", required=True),
    _p("description", TEXT, "What it is, in the words of the source material"),
    _p("validFrom", DAY, "First day on which it exists or applies"),
    _p("validTo", DAY, "Last day on which it exists or applies"),
    _p("source", TEXT, "Where the facts come from (the source material, or a cited public fact)"),
    _p("illustrative", FLAG, "True when the entry fills a gap with a plausible value rather than a sourced fact"),
)

#: Properties every relationship kind has.
_REL_COMMON = (
    _p("validFrom", DAY, "First day on which the relationship holds"),
    _p("validTo", DAY, "Last day on which the relationship holds"),
    _p("source", TEXT, "Where the fact comes from"),
    _p("illustrative", FLAG, "True when the relationship is a plausible fill-in"),
)

NODE_KINDS = (
    NodeKind(
        "Organisation",
        "org",
        "An agency, authority, association, initiative or funder",
        (
            *_COMMON,
            _p("kind", TEXT, "What sort of organisation it is", required=True, choices=ORGANISATION_KINDS),
            _p("shortName", TEXT, "Abbreviation in common use (KI, AfA, ABH, CV)"),
            _p("website", TEXT, "Public web address (http or https)"),
        ),
    ),
    NodeKind(
        "Service",
        "svc",
        "An offer or a statutory responsibility, for some needs, under a legal domain, in an area",
        (
            *_COMMON,
            _p("statutory", FLAG, "True for a statutory responsibility (an office's duty), false for an offer"),
            _p(
                "coordination",
                FLAG,
                "True for case management and coordination: it routes a case to offers for its needs and does not "
                "itself cover them (so it counts in no coverage, duplicate or conference question)",
            ),
            _p("targetGroup", TEXT, "Who the offer is for, in words"),
            _p("minAge", WHOLE, "Youngest eligible age in years"),
            _p("maxAge", WHOLE, "Oldest eligible age in years"),
            _p("residenceStatuses", TEXTS, "Eligible residence statuses; empty means all", choices=RESIDENCE_STATUSES),
            _p(
                "languages",
                TEXTS,
                "Languages the offer is given in (ISO 639-1 codes)",
                choices=ISO_639_1,
                choices_label=_LANGUAGE_CODES,
            ),
            _p("capacity", WHOLE, "Places available at a time"),
            _p("fte", NUMBER, "Full-time equivalent posts behind the offer"),
        ),
    ),
    NodeKind(
        "Programme",
        "prog",
        "A funding programme or initiative, or one of its parts (Baustein, Modul)",
        (
            *_COMMON,
            _p("level", TEXT, "Who runs it", choices=("federal", "state", "county", "municipal")),
            _p("number", TEXT, "Number of the part within its programme (1 to 6, I to III)"),
            _p("fte", NUMBER, "Full-time equivalent posts the programme or part funds"),
        ),
    ),
    NodeKind(
        "WorkingGroup",
        "wg",
        "A network, steering group or working group (AG)",
        (
            *_COMMON,
            _p(
                "kind", TEXT, "What sort of group", required=True, choices=("network", "steering-group", "working-group", "forum")
            ),
        ),
    ),
    NodeKind(
        "Municipality",
        "mun",
        "A town or municipality (Stadt, Gemeinde)",
        (
            *_COMMON,
            _p("ags", TEXT, "Official municipality key (Amtlicher Gemeindeschlüssel), 8 digits", required=True),
            _p("population", WHOLE, "Inhabitants", required=True),
            _p("populationDate", DAY, "Reference date of the population figure"),
        ),
    ),
    NodeKind(
        "Region",
        "reg",
        "An area made of municipalities: the county, a KI district, a case-management region",
        (
            *_COMMON,
            _p(
                "kind",
                TEXT,
                "What sort of region",
                required=True,
                choices=("county", "ki-district", "cm-region", "agency-district"),
            ),
        ),
    ),
    NodeKind(
        "CaseManager",
        "cm",
        "A case-manager post (not a person)",
        (
            *_COMMON,
            _p("fte", NUMBER, "Full-time equivalent of the post", required=True),
            _p(
                "languages",
                TEXTS,
                "Languages spoken in the post (ISO 639-1 codes)",
                choices=ISO_639_1,
                choices_label=_LANGUAGE_CODES,
            ),
        ),
    ),
    NodeKind(
        "LegalDomain",
        "ld",
        "A legal domain (Rechtskreis), such as SGB II or the AsylbLG",
        (*_COMMON, _p("code", TEXT, "Short legal code (SGB II, AufenthG)", required=True)),
    ),
    NodeKind(
        "Need",
        "need",
        "A field of life or of action (Lebensbereich, Handlungsfeld): language, school, work",
        (
            *_COMMON,
            _p(
                "audience",
                TEXT,
                "Whom the need concerns: a person; a household, through a child of the need's ages; or organisations, "
                "never a case (default person)",
                choices=NEED_AUDIENCES,
            ),
            _p("minAge", WHOLE, "Youngest age of the person the need is for (for a household need: of the child)"),
            _p("maxAge", WHOLE, "Oldest age of the person the need is for (for a household need: of the child)"),
            _p(
                "notForStatuses",
                TEXTS,
                "Residence statuses under which the need cannot arise (naturalisation under a Duldung)",
                choices=RESIDENCE_STATUSES,
            ),
            _p("applicabilitySource", TEXT, "The law and source behind audience, ages and notForStatuses"),
            _p("applicabilityIllustrative", FLAG, "True when whom the need concerns is a plausible fill-in, not sourced"),
        ),
    ),
)


def _pairs(sources: tuple[str, ...], targets: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    return frozenset((s, t) for s in sources for t in targets)


REL_KINDS = (
    RelKind(
        "PROVIDES",
        "An organisation provides an offer",
        _pairs(("Organisation",), ("Service",)),
        "provides",
        "providedBy",
        _REL_COMMON,
    ),
    RelKind("ADDRESSES", "An offer addresses a need", _pairs(("Service",), ("Need",)), "addresses", "offers", _REL_COMMON),
    RelKind(
        "UNDER",
        "An offer falls under a legal domain",
        _pairs(("Service",), ("LegalDomain",)),
        "legalDomains",
        "offers",
        _REL_COMMON,
    ),
    RelKind(
        "AVAILABLE_IN",
        "An offer is available in a municipality or region",
        _pairs(("Service",), ("Municipality", "Region")),
        "availableIn",
        "offers",
        _REL_COMMON,
    ),
    RelKind(
        "FUNDED_BY",
        "An offer is funded by a programme; a programme by an organisation",
        frozenset({("Service", "Programme"), ("Programme", "Organisation")}),
        "fundedBy",
        "funds",
        _REL_COMMON,
    ),
    RelKind(
        "PART_OF",
        "A part belongs to a whole: programme parts, subgroups, municipalities in regions, branches",
        frozenset(
            {
                ("Programme", "Programme"),
                ("WorkingGroup", "WorkingGroup"),
                ("Municipality", "Region"),
                ("Region", "Region"),
                ("Organisation", "Organisation"),
            }
        ),
        "partOf",
        "parts",
        _REL_COMMON,
    ),
    RelKind(
        "MEMBER_OF",
        "An organisation sits in a working group",
        _pairs(("Organisation",), ("WorkingGroup",)),
        "memberOf",
        "members",
        (
            *_REL_COMMON,
            _p("role", TEXT, "Role in the group (member, chair, spokesperson, guest)"),
            _p("since", DAY, "Member since"),
        ),
    ),
    RelKind(
        "COOPERATES_WITH",
        "Two organisations cooperate",
        _pairs(("Organisation",), ("Organisation",)),
        "cooperatesWith",
        "cooperatesWith",
        (
            *_REL_COMMON,
            _p("kind", TEXT, "What the cooperation is (contract, referral, joint offer, network)"),
            _p("since", DAY, "Cooperating since"),
        ),
        symmetric=True,
    ),
    RelKind(
        "EMPLOYED_BY",
        "A case-manager post is employed by an organisation",
        _pairs(("CaseManager",), ("Organisation",)),
        "employedBy",
        "employs",
        _REL_COMMON,
    ),
    RelKind(
        "SUPERVISED_BY",
        "A case-manager post is under the professional supervision of an organisation",
        _pairs(("CaseManager",), ("Organisation",)),
        "supervisedBy",
        "supervises",
        _REL_COMMON,
    ),
    RelKind(
        "COVERS",
        "A case-manager post covers a municipality",
        _pairs(("CaseManager",), ("Municipality",)),
        "covers",
        "coveredBy",
        _REL_COMMON,
    ),
    RelKind(
        "LOCATED_IN",
        "An organisation has its seat in a municipality",
        _pairs(("Organisation",), ("Municipality",)),
        "locatedIn",
        "hosts",
        _REL_COMMON,
    ),
)

MODEL = Model(NODE_KINDS, REL_KINDS)
