"""The eighteen kinds of news-wire report of the bundled MRPC-style pairs.

Each family: a slot sampler, derived words, several phrasings of the same facts, and ways to
change exactly one fact (a hard negative).
"""

from __future__ import annotations

import random

from .words import (
    AGENCIES,
    AIRPORTS,
    ALLEGATIONS,
    BANKS,
    BODIES,
    CITIES,
    COMPANIES,
    COUNTRIES,
    CRIMES,
    DAYS,
    DISEASES,
    EXCHANGES,
    MONTHS,
    PEOPLE,
    PLACES,
    POLICIES,
    PRODUCTS,
    QUARTERS,
    REGIONS,
    ROLES,
    SETTLING_AGENCIES,
    TEAMS,
    WORKERS,
)


def other(rng: random.Random, options, current):
    """Pick an option different from ``current`` (one value, or a list of values to avoid)."""
    avoid = current if isinstance(current, list) else [current]
    return rng.choice([option for option in options if option not in avoid])


def nearby_int(rng: random.Random, value: int, low: int = 1) -> int:
    """A different integer of the same size: a plausible but wrong number."""
    while True:
        candidate = max(low, int(round(value * rng.choice([0.5, 0.6, 0.75, 1.3, 1.5, 2.0]))) + rng.randint(-2, 2))
        if candidate != value:
            return candidate


def nearby_float(rng: random.Random, value: float) -> float:
    while True:
        candidate = round(value + rng.choice([-1, 1]) * rng.choice([0.3, 0.5, 0.8, 1.2, 2.1]), 1)
        if candidate > 0 and candidate != value:
            return candidate


def two_distinct(rng: random.Random, options):
    first, second = rng.sample(options, 2)
    return first, second


# Each family: slot sampler, derived words, phrasings and ways to change one fact.
# A mutation returns the slots with exactly one fact changed.


def earnings_slots(r):
    return {
        "co": r.choice(COMPANIES),
        "q": r.choice(QUARTERS),
        "pct": r.randint(3, 48),
        "amt": r.randint(12, 940),
        "up": r.random() < 0.6,
    }


def earnings_words(s):
    s["moved"] = s["rng"].choice(["rose", "climbed", "increased"] if s["up"] else ["fell", "dropped", "declined"])
    s["updown"] = "up" if s["up"] else "down"
    return s


EARNINGS = {
    "slots": earnings_slots,
    "words": earnings_words,
    "templates": [
        "{co} said its {q} net profit {moved} {pct} percent to ${amt} million .",
        "{q_cap} net profit at {co} {moved} {pct} percent , to ${amt} million , the company said .",
        "{co} reported {q} net income of ${amt} million , {updown} {pct} percent from a year earlier .",
    ],
    "mutations": [
        lambda r, s: {**s, "pct": nearby_int(r, s["pct"])},
        lambda r, s: {**s, "amt": nearby_int(r, s["amt"])},
        lambda r, s: {**s, "up": not s["up"]},
        lambda r, s: {**s, "q": other(r, QUARTERS, s["q"])},
    ],
}


def deal_slots(r):
    buyer, target = two_distinct(r, COMPANIES)
    return {"buyer": buyer, "target": target, "amt": round(r.uniform(0.4, 9.5), 1), "day": r.choice(DAYS)}


DEAL = {
    "slots": deal_slots,
    "templates": [
        "{buyer} agreed to buy {target} for about ${amt} billion in cash .",
        "{target} will be bought by {buyer} in an all-cash deal worth roughly ${amt} billion .",
        "In a deal announced on {day} , {buyer} said it would acquire {target} for about ${amt} billion .",
        "{buyer} is paying some ${amt} billion in cash for {target} , the companies said on {day} .",
    ],
    "mutations": [
        lambda r, s: {**s, "buyer": s["target"], "target": s["buyer"]},
        lambda r, s: {**s, "amt": nearby_float(r, s["amt"])},
        lambda r, s: {**s, "target": other(r, COMPANIES, [s["target"], s["buyer"]])},
    ],
}


def quake_slots(r):
    return {
        "mag": round(r.uniform(5.1, 7.9), 1),
        "region": r.choice(REGIONS),
        "day": r.choice(DAYS),
        "n": r.randint(3, 260),
    }


QUAKE = {
    "slots": quake_slots,
    "templates": [
        "A magnitude {mag} earthquake struck {region} on {day} , killing at least {n} people .",
        "At least {n} people were killed when an earthquake measuring {mag} hit {region} on {day} .",
        "An earthquake of magnitude {mag} shook {region} on {day} , leaving at least {n} people dead , officials said .",
    ],
    "mutations": [
        lambda r, s: {**s, "mag": nearby_float(r, s["mag"])},
        lambda r, s: {**s, "n": nearby_int(r, s["n"])},
        lambda r, s: {**s, "day": other(r, DAYS, s["day"])},
        lambda r, s: {**s, "region": other(r, REGIONS, s["region"])},
    ],
}


def game_slots(r):
    winner, loser = two_distinct(r, TEAMS)
    high = r.randint(2, 9)
    return {"t1": winner, "t2": loser, "s1": high, "s2": r.randint(0, high - 1), "day": r.choice(DAYS)}


GAME = {
    "slots": game_slots,
    "templates": [
        "{t1_cap} beat {t2} {s1}-{s2} on {day} night .",
        "{t1_cap} defeated {t2} {s1}-{s2} on {day} .",
        "{t2_cap} lost {s1}-{s2} to {t1} on {day} night .",
        "On {day} night , {t1} won {s1}-{s2} against {t2} .",
    ],
    "mutations": [
        lambda r, s: {**s, "t1": s["t2"], "t2": s["t1"]},
        lambda r, s: {**s, "s1": s["s1"] + r.randint(1, 3)},
        lambda r, s: {**s, "day": other(r, DAYS, s["day"])},
    ],
}


def jobless_slots(r):
    country = r.choice(COUNTRIES)
    month_index = r.randint(1, 11)
    previous = round(r.uniform(3.5, 12.5), 1)
    return {
        "country": country,
        "agency": AGENCIES[country],
        "month": MONTHS[month_index],
        "y": previous,
        "x": round(previous - r.choice([0.1, 0.2, 0.3, 0.4]), 1),
    }


JOBLESS = {
    "slots": jobless_slots,
    "templates": [
        "The unemployment rate in {country} fell to {x} percent in {month} from {y} percent the month before .",
        "{country} 's jobless rate dropped to {x} percent in {month} , down from {y} percent a month earlier .",
        "Unemployment in {country} eased to {x} percent in {month} from {y} percent , the {agency} said .",
    ],
    "mutations": [
        lambda r, s: {**s, "x": round(s["x"] - r.choice([0.5, 0.9, 1.4]), 1)},
        lambda r, s: {**s, "month": other(r, MONTHS, s["month"])},
        lambda r, s: {**s, "y": round(s["y"] + r.choice([0.6, 1.1, 1.7]), 1)},
    ],
}


def cuts_slots(r):
    return {
        "co": r.choice(COMPANIES),
        "n": r.choice([r.randint(2, 60) * 100, r.randint(120, 950)]),
        "pct": r.randint(2, 25),
        "year": r.randint(2024, 2027),
    }


CUTS = {
    "slots": cuts_slots,
    "templates": [
        "{co} will cut {n:,} jobs , about {pct} percent of its workforce , by the end of {year} .",
        "{co} plans to eliminate {n:,} positions , or roughly {pct} percent of its staff , before the end of {year} .",
        "About {n:,} jobs , {pct} percent of the workforce , will go at {co} by the end of {year} , the company said .",
    ],
    "mutations": [
        lambda r, s: {**s, "n": nearby_int(r, s["n"], low=50)},
        lambda r, s: {**s, "pct": nearby_int(r, s["pct"])},
        lambda r, s: {**s, "year": s["year"] + r.choice([-1, 1, 2])},
        lambda r, s: {**s, "co": other(r, COMPANIES, s["co"])},
    ],
}


def ceo_slots(r):
    new, old = two_distinct(r, PEOPLE)
    return {"co": r.choice(COMPANIES), "p1": new, "p2": old, "day": r.choice(DAYS), "role": r.choice(ROLES)}


CEO = {
    "slots": ceo_slots,
    "templates": [
        "{co} named {p1} {role} on {day} , replacing {p2} , who is retiring .",
        "{p1} will succeed the retiring {p2} as {role} of {co} , the company said on {day} .",
        "{co} said on {day} that {p1} would take over as {role} from {p2} , who plans to retire .",
    ],
    "mutations": [
        lambda r, s: {**s, "p1": s["p2"], "p2": s["p1"]},
        lambda r, s: {**s, "role": other(r, ROLES, s["role"])},
        lambda r, s: {**s, "p1": other(r, PEOPLE, s["p1"])},
    ],
}


def verdict_slots(r):
    return {
        "p": r.choice(PEOPLE),
        "city": r.choice(CITIES),
        "day": r.choice(DAYS),
        "n": r.randint(2, 14),
        "crime": r.choice(CRIMES),
    }


VERDICT = {
    "slots": verdict_slots,
    "templates": [
        "A federal jury in {city} found {p} guilty on {day} of {n} counts of {crime} .",
        "{p} was convicted by a federal jury in {city} on {day} on {n} counts of {crime} .",
        "On {day} , jurors in {city} convicted {p} on {n} counts of {crime} .",
    ],
    "mutations": [
        lambda r, s: {**s, "n": nearby_int(r, s["n"])},
        lambda r, s: {**s, "crime": other(r, CRIMES, s["crime"])},
        lambda r, s: {**s, "city": other(r, CITIES, s["city"])},
        lambda r, s: {**s, "p": other(r, PEOPLE, s["p"])},
    ],
}


def strike_slots(r):
    return {
        "n": r.randint(8, 90) * 10,
        "airport": r.choice(AIRPORTS),
        "day": r.choice(DAYS),
        "workers": r.choice(WORKERS),
    }


STRIKE = {
    "slots": strike_slots,
    "templates": [
        "About {n} flights were cancelled at {airport} on {day} as {workers} walked off the job .",
        "A walkout by {workers} forced the cancellation of some {n} flights at {airport} on {day} .",
        "{workers_cap} went on strike at {airport} on {day} , grounding about {n} flights .",
    ],
    "mutations": [
        lambda r, s: {**s, "n": nearby_int(r, s["n"], low=20)},
        lambda r, s: {**s, "airport": other(r, AIRPORTS, s["airport"])},
        lambda r, s: {**s, "workers": other(r, WORKERS, s["workers"])},
        lambda r, s: {**s, "day": other(r, DAYS, s["day"])},
    ],
}


def outbreak_slots(r):
    new = r.randint(4, 160)
    return {
        "region": r.choice(CITIES),
        "disease": r.choice(DISEASES),
        "day": r.choice(DAYS),
        "n": new,
        "total": new + r.randint(20, 900),
    }


OUTBREAK = {
    "slots": outbreak_slots,
    "templates": [
        "Health officials in {region} confirmed {n} new cases of {disease} on {day} , bringing the total to {total} .",
        "{region} health officials reported {n} new {disease} cases on {day} , raising the total to {total} .",
        "The number of {disease} cases in {region} rose to {total} on {day} after officials confirmed {n} new infections .",
    ],
    "mutations": [
        lambda r, s: {**s, "n": nearby_int(r, s["n"])},
        lambda r, s: {**s, "total": nearby_int(r, s["total"], low=s["n"] + 1)},
        lambda r, s: {**s, "disease": other(r, DISEASES, s["disease"])},
        lambda r, s: {**s, "region": other(r, CITIES, s["region"])},
    ],
}


def shares_slots(r):
    return {
        "co": r.choice(COMPANIES),
        "c": r.randint(6, 95),
        "p": round(r.uniform(8, 120), 2),
        "exch": r.choice(EXCHANGES),
        "day": r.choice(DAYS),
        "up": r.random() < 0.6,
    }


def shares_words(s):
    s["updown"] = "up" if s["up"] else "down"
    s["gained"] = "gained" if s["up"] else "lost"
    s["rose"] = "rose" if s["up"] else "fell"
    s["p"] = f"{s['p']:.2f}"
    return s


SHARES = {
    "slots": shares_slots,
    "words": shares_words,
    "templates": [
        "Shares of {co} closed {updown} {c} cents at ${p} on the {exch} on {day} .",
        "{co} stock {gained} {c} cents to finish at ${p} on {day} in trading on the {exch} .",
        "On {day} , {co} shares {rose} {c} cents to close at ${p} on the {exch} .",
    ],
    "mutations": [
        lambda r, s: {**s, "c": nearby_int(r, s["c"])},
        lambda r, s: {**s, "p": round(float(s["p"]) + r.choice([-1, 1]) * r.uniform(1.5, 6.0), 2)},
        lambda r, s: {**s, "up": not s["up"]},
        lambda r, s: {**s, "exch": other(r, EXCHANGES, s["exch"])},
    ],
}


def election_slots(r):
    winner, loser = two_distinct(r, PEOPLE)
    x = r.randint(51, 68)
    return {"p1": winner, "p2": loser, "x": x, "y": 100 - x - r.randint(0, 3)}


ELECTION = {
    "slots": election_slots,
    "templates": [
        "{p1} won {x} percent of the vote , defeating {p2} , who received {y} percent .",
        "{p1} beat {p2} with {x} percent of the vote to {y} percent .",
        "{p2} lost to {p1} , taking {y} percent of the vote against {x} percent for the winner .",
    ],
    "mutations": [
        lambda r, s: {**s, "p1": s["p2"], "p2": s["p1"]},
        lambda r, s: {**s, "x": s["x"] + r.randint(3, 9), "y": s["y"] - r.randint(3, 9)},
        lambda r, s: {**s, "p2": other(r, PEOPLE, s["p2"])},
    ],
}


def vote_slots(r):
    total = r.choice([40, 100, 80, 15])
    yes = r.randint(total // 2 + 1, total - 1)
    return {"body": r.choice(BODIES), "a": yes, "b": total - yes, "day": r.choice(DAYS), "policy": r.choice(POLICIES)}


VOTE = {
    "slots": vote_slots,
    "templates": [
        "The {body} voted {a}-{b} on {day} to approve a bill that would {policy} .",
        "By a vote of {a}-{b} , the {body} on {day} passed legislation to {policy} .",
        "A bill to {policy} cleared the {body} on {day} by a {a}-{b} vote .",
    ],
    "mutations": [
        lambda r, s: {**s, "a": s["a"] - r.randint(1, 3), "b": s["b"] + r.randint(1, 3)},
        lambda r, s: {**s, "body": other(r, BODIES, s["body"])},
        lambda r, s: {**s, "policy": other(r, POLICIES, s["policy"])},
        lambda r, s: {**s, "day": other(r, DAYS, s["day"])},
    ],
}


def plant_slots(r):
    return {"co": r.choice(COMPANIES), "p": r.choice(PEOPLE), "month": r.choice(MONTHS), "city": r.choice(CITIES)}


PLANT = {
    "slots": plant_slots,
    "templates": [
        '" We are confident the {city} plant will reopen by {month} , " said {p} , a spokesman for {co} .',
        '{co} spokesman {p} said the company was " confident " its {city} plant would reopen by {month} .',
        "The {co} plant in {city} should be running again by {month} , company spokesman {p} said .",
    ],
    "mutations": [
        lambda r, s: {**s, "month": other(r, MONTHS, s["month"])},
        lambda r, s: {**s, "city": other(r, CITIES, s["city"])},
        lambda r, s: {**s, "co": other(r, COMPANIES, s["co"])},
    ],
}


def recall_slots(r):
    product, part, hazard = r.choice(PRODUCTS)
    return {
        "co": r.choice(COMPANIES),
        "n": r.randint(3, 400) * 1000,
        "product": product,
        "part": part,
        "hazard": hazard,
        "day": r.choice(DAYS),
    }


RECALL = {
    "slots": recall_slots,
    "templates": [
        "{co} is recalling about {n:,} {product} because a faulty {part} could {hazard} .",
        "Some {n:,} {product} are being recalled by {co} over a defective {part} that may {hazard} .",
        "{co} said on {day} it would recall roughly {n:,} {product} with a faulty {part} that could {hazard} .",
    ],
    "mutations": [
        lambda r, s: {**s, "n": nearby_int(r, s["n"] // 1000) * 1000},
        lambda r, s: {**s, "co": other(r, COMPANIES, s["co"])},
        lambda r, s: {
            **s,
            **dict(
                zip(
                    ("product", "part", "hazard"),
                    other(r, PRODUCTS, (s["product"], s["part"], s["hazard"])),
                    strict=True,
                )
            ),
        },
    ],
}


def fire_slots(r):
    return {"n": r.randint(4, 90) * 1000, "place": r.choice(PLACES), "h": r.randint(2, 60) * 50}


FIRE = {
    "slots": fire_slots,
    "templates": [
        "The fire has burned about {n:,} acres near {place} and forced the evacuation of {h:,} homes .",
        "About {h:,} homes near {place} were evacuated as the blaze scorched roughly {n:,} acres .",
        "Firefighters said the blaze near {place} had consumed about {n:,} acres , prompting the evacuation of {h:,} homes .",
    ],
    "mutations": [
        lambda r, s: {**s, "n": nearby_int(r, s["n"] // 1000) * 1000},
        lambda r, s: {**s, "h": nearby_int(r, s["h"] // 50) * 50},
        lambda r, s: {**s, "place": other(r, PLACES, s["place"])},
    ],
}


def rate_slots(r):
    return {
        "bank": r.choice(BANKS),
        "x": r.choice([1.25, 1.5, 2.75, 3.0, 3.25, 4.5, 4.75, 5.25]),
        "day": r.choice(DAYS),
        "up": r.random() < 0.5,
    }


def rate_words(s):
    s["raised"] = "raised" if s["up"] else "cut"
    s["lifted"] = "lifted" if s["up"] else "lowered"
    s["costs"] = "increased" if s["up"] else "reduced"
    s["raising"] = "raising" if s["up"] else "cutting"
    return s


RATE = {
    "slots": rate_slots,
    "words": rate_words,
    "templates": [
        "The {bank} {raised} its benchmark interest rate by a quarter point to {x} percent on {day} .",
        "On {day} the {bank} {lifted} its key rate 25 basis points to {x} percent .",
        "The {bank} {costs} borrowing costs on {day} , {raising} its main rate a quarter point to {x} percent .",
    ],
    "mutations": [
        lambda r, s: {**s, "x": s["x"] + r.choice([-0.5, 0.5, 1.0])},
        lambda r, s: {**s, "up": not s["up"]},
        lambda r, s: {**s, "bank": other(r, BANKS, s["bank"])},
    ],
}


def settle_slots(r):
    return {
        "co": r.choice(COMPANIES),
        "amt": r.randint(5, 480),
        "agency": r.choice(SETTLING_AGENCIES),
        "allegation": r.choice(ALLEGATIONS),
    }


SETTLE = {
    "slots": settle_slots,
    "templates": [
        "{co} agreed to pay ${amt} million to settle claims by the {agency} that it {allegation} .",
        "To resolve {agency} allegations that it {allegation} , {co} will pay ${amt} million .",
        "{co} has settled with the {agency} for ${amt} million over accusations that it {allegation} .",
    ],
    "mutations": [
        lambda r, s: {**s, "amt": nearby_int(r, s["amt"])},
        lambda r, s: {**s, "agency": other(r, SETTLING_AGENCIES, s["agency"])},
        lambda r, s: {**s, "allegation": other(r, ALLEGATIONS, s["allegation"])},
    ],
}

FAMILIES = [
    EARNINGS,
    DEAL,
    QUAKE,
    GAME,
    JOBLESS,
    CUTS,
    CEO,
    VERDICT,
    STRIKE,
    OUTBREAK,
    SHARES,
    ELECTION,
    VOTE,
    PLANT,
    RECALL,
    FIRE,
    RATE,
    SETTLE,
]
