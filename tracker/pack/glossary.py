"""The glossary printed in every pack, in plain words, written from the briefings.

Sources: NHS Providers, "No trust is an island" (May 2018) and "STPs and accountable
care: background briefing" (December 2017); for the 2022 bodies, the Health and Care
Act 2022 and NHS England's page on integrated care boards (see the policy timeline).
"""

from __future__ import annotations

from dataclasses import dataclass

ISLAND = "NHS Providers, “No trust is an island”, May 2018"
STPS = "NHS Providers, “STPs and accountable care: background briefing”, December 2017"
ACT_2022 = "Health and Care Act 2022; NHS England, “Integrated care boards in England”"


@dataclass(frozen=True)
class Term:
    term: str
    meaning: str
    source: str


GLOSSARY: tuple[Term, ...] = (
    Term(
        "ACO – accountable care organisation",
        "One organisation that holds a single contract from the commissioners for most health and care "
        "services and for the health of the population in an area, within an agreed budget over several years.",
        STPS,
    ),
    Term(
        "ACS – accountable care system",
        "The 2017 name for an advanced STP in which the NHS organisations, often with the local council, "
        "take shared responsibility for resources and the health of their population. Renamed ICS in February 2018.",
        STPS,
    ),
    Term(
        "CCG – clinical commissioning group",
        "The local NHS body that planned and bought (commissioned) health services for its area. "
        "CCGs were abolished on 1 July 2022, when integrated care boards took over their work.",
        ACT_2022,
    ),
    Term(
        "ICB – integrated care board",
        "The statutory NHS body for each integrated care system since 1 July 2022. It plans and pays for "
        "most NHS services in its area and is accountable for how the money is spent.",
        ACT_2022,
    ),
    Term(
        "ICP – integrated care partnership",
        "The wider partnership in each system, set up jointly by the integrated care board and the local "
        "councils, that brings together health, social care, public health and other partners to agree a "
        "strategy for the area's health and care.",
        ACT_2022,
    ),
    Term(
        "ICS – integrated care system",
        "NHS organisations, councils and other partners in one area working together, and taking shared "
        "responsibility for resources and for the health of their population. Earlier called an accountable "
        "care system; 14 existed in May 2018, and since 2022 each has a statutory integrated care board.",
        ISLAND,
    ),
    Term(
        "MCP – multispecialty community provider",
        "A vanguard model in which groups of GP practices work with community, mental health and social "
        "care staff to move specialist care out of hospital and into the community.",
        STPS,
    ),
    Term(
        "Neighbourhood",
        "The smallest level of joined-up care: teams from different organisations working together for a "
        "local population, for example of 30,000 to 50,000 people.",
        "Overview of interviews with system leaders, NHS Providers, 2018",
    ),
    Term(
        "PACS – integrated primary and acute care system",
        "A vanguard model that joins up hospitals with GP, community and mental health services, with one "
        "organisation (usually a lead provider) responsible for the health of the whole population.",
        STPS,
    ),
    Term(
        "Place",
        "A local area smaller than the whole system, often a town, borough or county, where most of the "
        "day-to-day joining up of health and social care happens.",
        STPS,
    ),
    Term(
        "Population health",
        "Improving the health of everyone in a defined group of people, and narrowing the avoidable "
        "differences in health between different parts of that population.",
        STPS,
    ),
    Term(
        "STP – sustainability and transformation partnership",
        "NHS organisations, councils and commissioners in one of 44 areas ('footprints') working together "
        "to improve health and care. First written as plans in 2016, renamed partnerships in March 2017. "
        "STPs had no legal powers of their own.",
        ISLAND,
    ),
    Term(
        "System control total",
        "A single financial target shared by the organisations in a system, instead of a separate target "
        "for each organisation.",
        ISLAND,
    ),
    Term(
        "Vanguard",
        "One of 50 local pilot sites from 2015 that tested new models of care, such as MCPs and PACS, "
        "under the NHS Five Year Forward View.",
        ISLAND,
    ),
)
