"""Shared pieces of the benchmarks: an MS-forum-like data generator and throwaway databases.

Nothing here is imported by the forum. Every benchmark builds its own instance folder (SQLite)
or its own PostgreSQL database, and removes it afterwards unless asked to keep it.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
FLASK = [str(VENV_BIN / "flask"), "--app", "wsgi"]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

CATEGORIES = [
    "Treatments & DMTs", "Symptoms & daily life", "Newly diagnosed", "Stem cells & HSCT",
    "Diet & lifestyle", "Research news", "Carers & family", "Work, benefits & money",
]
DRUGS = ["Ocrevus", "Tecfidera", "Kesimpta", "Copaxone", "Tysabri", "Lemtrada", "Mavenclad", "Aubagio",
         "Gilenya", "Vumerity", "Ponvory", "Zeposia", "Rebif", "Avonex", "Plegridy", "Briumvi"]
SYMPTOMS = ["fatigue", "brain fog", "foot drop", "heat sensitivity", "bladder urgency", "numbness in my hands",
            "optic neuritis", "spasticity", "the MS hug", "balance problems", "nerve pain", "insomnia",
            "pins and needles", "vertigo", "L'hermitte's sign", "cog fog", "weak legs after a walk"]
PEOPLE = ["my neuro", "the MS nurse", "my GP", "the physio", "the OT", "my consultant", "the continence nurse"]
THINGS = ["a cooling vest", "an FES device", "a walking stick", "a rollator", "vitamin D (4000 IU)",
          "a shower stool", "a fatigue diary", "pelvic floor exercises", "baclofen", "gabapentin", "amitriptyline",
          "a blue badge", "a standing desk", "Pilates", "yoga", "a perching stool", "a mobility scooter"]
TITLES = [
    "{drug}: what was your first infusion like?", "Switching from {drug} to {drug2}", "{symptom} is getting worse",
    "Anyone else have {symptom}?", "Newly diagnosed and scared", "Tips for {symptom} at work",
    "MRI results: two new lesions", "Is {thing} worth it?", "Lymphocytes low on {drug}",
    "Stem cell clinic abroad, anyone been?", "Relapse or pseudo-relapse?", "Heat wave survival tips",
    "Telling my employer about MS", "PIP assessment next week", "Pregnancy and {drug}",
    "Vitamin D levels and relapses", "New study on {drug} and EBV", "Caring for my wife with SPMS",
    "Exercise that actually helps with {symptom}", "How long before {drug} starts working?",
]
OPENERS = ["Hi all,", "Hello everyone,", "Hi,", "Thanks for all the replies.", "Evening all.",
           "Long time lurker, first post.", "Quick question:", "Update from me:", ""]
SENTENCES = [
    "I was diagnosed with RRMS in {year} and started {drug} a few months later.",
    "Since then the {symptom} has been the hardest part, especially in the afternoons.",
    "{person} suggested trying {thing} before changing anything else.",
    "Has anyone here been on {drug} for more than a couple of years?",
    "My last MRI showed no new activity, which was a relief.",
    "The infusion itself was fine but I was wiped out for about a week afterwards.",
    "I keep a diary now so I can tell {person} exactly when the {symptom} flares up.",
    "Honestly {thing} made more difference than I expected.",
    "It took about six months before I noticed any change at all.",
    "Please don't pay for anything a clinic promises will reverse MS; ask {person} first.",
    "The heat this week has made my {symptom} so much worse.",
    "I had my bloods done on Monday and my lymphocytes were a bit low.",
    "We asked {person} about switching to {drug2} and they were open to it.",
    "Sleep is the one thing that really helps the {symptom} for me.",
    "Work have been good about it since I told them, which I didn't expect.",
    "I know everyone is different, so take this with a pinch of salt.",
    "Sending you a big virtual hug, the first year is the hardest.",
    "There's a good summary of the trial on the MS Society site.",
]
LINKS = ["https://www.mssociety.org.uk/living-with-ms", "https://www.nationalmssociety.org/Treating-MS",
         "https://clinicaltrials.gov/search?cond=Multiple+Sclerosis", "https://www.mstrust.org.uk/a-z/fatigue",
         "https://pubmed.ncbi.nlm.nih.gov/?term=multiple+sclerosis"]
FIRST = ["Tess", "Dougie", "Priya", "Mark", "Lou", "Sam", "Hannah", "Nina", "Geoff", "Marisol", "Bex", "Jo", "Ana",
         "Chris", "Aisha", "Tom", "Kate", "Raj", "Sofia", "Ewan", "Maria", "Jürgen", "Zoë", "Siobhán", "Ólafur"]
LAST = ["Smith", "G", "K", "Carer", "in Leeds", "R", "B", "W", "Jones", "O'Neill", "Müller", "from Cork", "MS"]


def author_names(count: int, rng: random.Random) -> list[str]:
    """Mostly valid usernames, some with spaces, apostrophes or accents, a few too short."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        style = rng.random()
        if style < 0.55:
            name = f"{first}_{last[:1]}{rng.randint(1, 9999)}"
        elif style < 0.8:
            name = f"{first.lower()}{rng.randint(1, 99999)}"
        elif style < 0.95:
            name = f"{first} {last} {rng.randint(1, 999)}"
        else:
            digits = str(rng.randint(0, 99))[:rng.randint(0, 2)]
            name = rng.choice(["Jo", "Al", "MS", "Q"]) + rng.choice(["", "!", "?"]) + digits
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            names.append(name)
    return names


def _fill(template: str, rng: random.Random) -> str:
    drug, drug2 = rng.sample(DRUGS, 2)
    return template.format(drug=drug, drug2=drug2, symptom=rng.choice(SYMPTOMS), person=rng.choice(PEOPLE),
                           thing=rng.choice(THINGS), year=rng.randint(1998, 2023))


def post_body(rng: random.Random, authors: list[str]) -> str:
    """One post: a few paragraphs, sometimes a list, bold, a link, a quote or a mention."""
    parts: list[str] = []
    opener = rng.choice(OPENERS)
    paragraphs = rng.choices([1, 2, 3, 4, 6], weights=[30, 35, 20, 10, 5])[0]
    for index in range(paragraphs):
        sentences = " ".join(_fill(rng.choice(SENTENCES), rng) for _ in range(rng.randint(1, 4)))
        if index == 0 and opener:
            sentences = f"{opener} {sentences}"
        if rng.random() < 0.15:
            word = rng.choice(SYMPTOMS + DRUGS)
            sentences = sentences.replace(word, f"**{word}**", 1)
        parts.append(sentences)
    roll = rng.random()
    if roll < 0.12:
        parts.append("\n".join(f"{i}. {_fill(rng.choice(SENTENCES), rng)}" for i in range(1, rng.randint(3, 6))))
    elif roll < 0.20:
        parts.append("\n".join(f"- {rng.choice(THINGS)}" for _ in range(rng.randint(2, 5))))
    elif roll < 0.28:
        parts.insert(0, "> " + _fill(rng.choice(SENTENCES), rng))
    if rng.random() < 0.12:
        parts.append(f"More here: {rng.choice(LINKS)}")
    elif rng.random() < 0.05:
        parts.append(f"[This page]({rng.choice(LINKS)}) explains it better than I can.")
    if rng.random() < 0.1:
        parts.append(f"@{rng.choice(authors).split(' ')[0]} did you try this in the end?")
    if rng.random() < 0.03:
        parts.append("`EDSS 3.5` and *still* walking the dog every day.")
    return "\n\n".join(parts)


def generate_jsonl(path: Path, posts: int, seed: int = 42) -> dict:
    """Write `posts` lines in the import format; threads of 1 to ~150 posts, 2010-2024."""
    rng = random.Random(seed)
    authors = author_names(max(50, posts // 25), rng)
    weights = [1.0 / (i + 1) ** 0.9 for i in range(len(authors))]   # a few very active members
    start = datetime(2010, 1, 1)
    span = (datetime(2024, 6, 1) - start).total_seconds()
    written = threads = 0
    post_id = 1000
    with path.open("w", encoding="utf-8") as out:
        while written < posts:
            threads += 1
            size = min(posts - written, max(1, int(rng.paretovariate(1.3) * 3)), 150)
            category = rng.choice(CATEGORIES)
            title = _fill(rng.choice(TITLES), rng)
            when = start + timedelta(seconds=rng.random() * span)
            thread_authors = rng.choices(authors, weights=weights, k=size)
            for n in range(size):
                post_id += 1
                out.write(json.dumps({
                    "thread_id": f"t{threads}", "category": category, "thread_title": title,
                    "post_id": post_id, "author": thread_authors[n],
                    "created": when.replace(microsecond=0).isoformat() + "Z",
                    "body": post_body(rng, authors),
                }, ensure_ascii=False) + "\n")
                when += timedelta(minutes=rng.expovariate(1 / 240))
                written += 1
    return {"posts": written, "threads": threads, "authors": len(authors), "bytes": path.stat().st_size}


def forum_env(instance: Path, database_url: str | None, limiter: bool = False) -> dict[str, str]:
    """Environment for `flask --app wsgi` / gunicorn on this instance folder and database."""
    env = dict(os.environ, FORUM_INSTANCE_DIR=str(instance), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               FORUM_ENV="development", RATELIMIT_ENABLED="1" if limiter else "0")
    for name in ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "SEARCH_BACKEND"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def upgrade(env: dict[str, str]) -> None:
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)


@contextmanager
def postgres_database(admin_url: str = DEFAULT_PG, keep: bool = False) -> Iterator[str]:
    """A fresh PostgreSQL database for one benchmark; dropped afterwards unless keep."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_reachable(admin_url: str = DEFAULT_PG) -> bool:
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(admin_url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def machine() -> str:
    import platform

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def nice_prefix(level: int) -> list[str]:
    """`nice -n LEVEL` in front of a command (negative levels need root): a benchmark on a shared,
    busy machine can ask the scheduler to favour its own processes for its bounded run."""
    return ["nice", "-n", str(level)] if level else []


def renice_postgres_backends(database_url: str | None, level: int) -> int:
    """Give the PostgreSQL backends serving the benchmark's own database the same priority."""
    if not level or not database_url or not database_url.startswith("postgresql"):
        return 0
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    engine = create_engine(url)
    with engine.connect() as conn:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()")
        pids = [str(pid) for pid in conn.scalars(query, {"name": url.database})]
    engine.dispose()
    if pids:
        subprocess.run(["renice", "-n", str(level), "-p", *pids], check=False, capture_output=True)
    return len(pids)
