"""`tracker validate`: every problem, in every file, as file:line: field: what is wrong."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.conftest import run


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` with `new` and return the line number where it stood."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text.count("\n", 0, at) + 1 + old[: len(old) - len(old.lstrip("\n"))].count("\n")


def problems(config_dir: Path) -> tuple[int, str]:
    """Exit status and output, without the warning that the fictional governors list is in use."""
    result = run("validate", "--config", config_dir)
    return result.exit_code, "".join(ln for ln in result.output.splitlines(True) if not ln.startswith("Warning: "))


def test_the_shipped_config_is_valid(config_dir):
    code, out = problems(config_dir)
    assert code == 0, out
    assert "are valid" in out


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "category: planning-guidance",
            "category: planning",
            r"milestones\[\d+\]\.category",
            "'planning' is not one of: planning-guidance, ten-year-plan",
        ),
        (
            "status: published",
            "status: out",
            r"milestones\[\d+\]\.status",
            "'out' is not one of: expected, delayed, published",
        ),
        (
            "published: 2019-01-07",
            "published: 7 January 2019",
            r"milestones\[\d+\]\.published",
            "expected a date like 2018, 2018-11 or 2018-11-14",
        ),
        ("published: 2019-01-07", "published: 2019-02-30", r"milestones\[\d+\]\.published", "not a real date"),
        (
            "url: https://",
            "url: javascript:alert(1)//",
            r"milestones\[\d+\]\.sources\[\d+\]\.url",
            "is not an http(s) web address",
        ),
        ("url: https://", "url: ftp://", r"milestones\[\d+\]\.sources\[\d+\]\.url", "is not an http(s) web address"),
        ("\n    title: ", "\n    titel: ", r"milestones\[\d+\]\.titel", "unknown field"),
        (
            "        stage: icb",
            "        stage: icp",
            r"systems\[\d+\]\.designations\[\d+\]\.stage",
            "'icp' is not one of",
        ),
    ],
)
def test_each_kind_of_register_error_names_file_line_and_field(config_dir, old, new, field, message):
    line = edit(config_dir / "register.yaml", old, new)
    code, out = problems(config_dir)
    assert code == 2
    assert re.search(rf"register\.yaml:{line}: {field}: .*{re.escape(message)}", out), out


def test_a_missing_required_field_is_reported_at_its_milestone(config_dir):
    line = edit(config_dir / "register.yaml", "\n    title: ", "\n    titel: ")
    _, out = problems(config_dir)
    assert re.search(r"register\.yaml:\d+: milestones\[\d+\]\.title: is required", out), out
    assert f"register.yaml:{line}:" in out


def test_duplicate_ids_are_reported_with_both_places(config_dir):
    path = config_dir / "register.yaml"
    text = path.read_text()
    ids = re.findall(r"^  - id: (\S+)$", text, re.M)
    line = edit(path, f"  - id: {ids[1]}\n", f"  - id: {ids[0]}\n")
    _, out = problems(config_dir)
    assert re.search(
        rf"register\.yaml:{line}: milestones\[1\]\.id: duplicate id '{ids[0]}' \(also at line \d+\)", out
    ), out


def test_published_is_required_for_a_published_milestone(config_dir):
    path = config_dir / "register.yaml"
    line = edit(path, "    published: 2019-01-07\n", "")
    _, out = problems(config_dir)
    assert re.search(r"register\.yaml:\d+: milestones\[\d+\]\.published: is required when status is published", out), (
        out
    )
    assert line > 0


def test_a_superseded_by_link_must_point_at_a_milestone(config_dir):
    path = config_dir / "register.yaml"
    line = edit(path, "superseded_by: ", "superseded_by: no-such-edition\n    x_old: ")
    _, out = problems(config_dir)
    assert f"register.yaml:{line}: " in out and "'no-such-edition' is not the id of any milestone" in out, out


def test_a_milestone_names_only_systems_the_register_holds(config_dir):
    line = edit(config_dir / "register.yaml", "\n    title: ", "\n    systems: [frimley, no-such-system]\n    title: ")
    _, out = problems(config_dir)
    assert re.search(
        rf"register\.yaml:{line}: milestones\[0\]\.systems\[1\]: 'no-such-system' is not the id of any system", out
    ), out
    assert "systems[0]" not in out  # frimley is a system


def test_question_links_must_name_real_milestones(config_dir):
    line = edit(config_dir / "questions.yaml", "milestones: [", "milestones: [no-such-milestone, ")
    _, out = problems(config_dir)
    assert re.search(
        rf"questions\.yaml:{line}: questions\[0\]\.position\.milestones\[0\]: 'no-such-milestone' is not the id of any milestone",
        out,
    ), out


def test_question_status_must_be_a_known_rag_status(config_dir):
    line = edit(config_dir / "questions.yaml", "status: assured", "status: green")
    _, out = problems(config_dir)
    assert re.search(
        rf"questions\.yaml:{line}: questions\[\d\]\.(position|history\[\d+\])\.status: 'green' is not one of: "
        "not started, in progress, assured",
        out,
    ), out


def test_all_eight_questions_must_be_there(config_dir):
    path = config_dir / "questions.yaml"
    edit(path, "  - number: 8\n", "  - number: 9\n")
    _, out = problems(config_dir)
    assert "should hold the eight questions numbered 1 to 8, found [1, 2, 3, 4, 5, 6, 7, 9]" in out


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "system: frimley",
            "system: atlantis",
            "footprint.system",
            "'atlantis' is not the id of any system in the register",
        ),
        (
            "email: company.secretary@example.org",
            "email: not-an-address",
            "secretary.email",
            "is not a valid email address",
        ),
        ("    - 2026-09-17", "    - 2026-09", r"council_of_governors\.meetings\[\d+\]", "needs a day"),
        ("pdf: false", "pdf: maybe", "pack.pdf", "should be true or false"),
    ],
)
def test_trust_profile_errors_name_file_line_and_field(config_dir, old, new, field, message):
    line = edit(config_dir / "trust.yaml", old, new)
    _, out = problems(config_dir)
    assert re.search(rf"trust\.yaml:{line}: {field}: .*{re.escape(message)}", out), out


def test_every_problem_in_every_file_is_reported_in_one_run(config_dir):
    edit(config_dir / "register.yaml", "category: planning-guidance", "category: planning")
    edit(config_dir / "register.yaml", "status: published", "status: out")
    edit(config_dir / "trust.yaml", "email: company.secretary@example.org", "email: nobody")
    code, out = problems(config_dir)
    assert code == 2
    assert "'planning' is not one of" in out and "'out' is not one of" in out and "'nobody' is not a valid email" in out
    assert out.strip().splitlines()[-1] == "Error: 3 problems in 2 files"


def test_a_yaml_syntax_error_gives_file_line_and_a_sentence_not_a_traceback(config_dir):
    path = config_dir / "register.yaml"
    line = edit(path, "\n  - id: ", "\n  - id: [unclosed\n  - id: ")
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    m = re.search(r"register\.yaml:(\d+): YAML syntax error: (.+)", result.output)
    assert m, result.output
    assert abs(int(m.group(1)) - (line + 1)) <= 2


def test_a_missing_file_is_one_sentence(config_dir):
    (config_dir / "trust.yaml").unlink()
    code, out = problems(config_dir)
    assert code == 2
    assert "trust.yaml: file not found" in out


def test_a_file_that_is_not_a_mapping_is_reported(config_dir):
    (config_dir / "questions.yaml").write_text("- just\n- a list\n")
    _, out = problems(config_dir)
    assert "questions.yaml:1: the questions file should be a mapping" in out


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "creates: planning-guidance-{years}",
            "creates: planning-guidance-{edition}",
            r"watches\[0\]\.creates",
            "unknown placeholder {edition} (expected one of: {years}, {year}, {date}, {slug}, {icbs})",
        ),
        (
            'all: ["{years}"]',
            'all: ["{yrs}"]',
            r"watches\[0\]\.all\[0\]",
            "unknown placeholder {yrs} (expected one of: {years}, {year}, {words})",
        ),
        (
            "creates: planning-guidance-{years}",
            "creates: Planning_Guidance_{years}",
            r"watches\[0\]\.creates",
            "should give a lowercase slug of letters, digits and single hyphens",
        ),
        (
            "creates: icb-merger-{icbs}",
            "creates: icb-merger-{years}",
            r"watches\[1\]\.creates",
            "uses {years} but no `all` or `any` phrase captures it",
        ),
        (
            "category: ics-designation\n    any:",
            "category: ics\n    any:",
            r"watches\[1\]\.category",
            "'ics' is not one of",
        ),
        ("sets: {status: published}", "sets: {status: out}", r"milestones\[\d+\]\.match\[0\]\.sets\.status", "'out'"),
        ("      - id: forward-view", "      - idd: forward-view", r"milestones\[0\]\.match\[0\]\.idd", "unknown field"),
    ],
    ids=[
        "creates-placeholder",
        "phrase-placeholder",
        "creates-slug",
        "creates-uncaptured",
        "watch-category",
        "sets",
        "rule-key",
    ],
)
def test_each_kind_of_matching_rule_error_names_file_line_and_field(config_dir, old, new, field, message):
    line = edit(config_dir / "register.yaml", old, new)
    code, out = problems(config_dir)
    assert code == 2
    assert re.search(rf"register\.yaml:{line}: {field}: .*{re.escape(message)}", out), out


def test_a_rule_without_phrases_is_reported(config_dir):
    path = config_dir / "register.yaml"
    line = edit(
        path, '        any: ["medium term planning framework"', '        anyy: ["medium term planning framework"'
    )
    _, out = problems(config_dir)
    assert re.search(rf"register\.yaml:{line}: milestones\[\d+\]\.match\[0\]\.anyy: unknown field", out), out
    assert re.search(
        rf"register\.yaml:{line - 1}: milestones\[\d+\]\.match\[0\]: a rule needs at least one phrase", out
    ), out


def test_rule_ids_are_unique_across_milestones_and_watches(config_dir):
    line = edit(config_dir / "register.yaml", "  - id: icb-merger\n", "  - id: nhs-long-term-plan\n")
    _, out = problems(config_dir)
    assert re.search(rf"register\.yaml:{line}: watches\[1\]\.id: duplicate rule id 'nhs-long-term-plan'", out), out


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("  - event: delayed\n", "  - event: late\n", r"events\[0\]\.event", "'late' is not one of"),
        ("  - category: legislation\n", "  - category: laws\n", r"categories\[3\]\.category", "'laws' is not one of"),
        (
            '"planning for {years}"',
            '"planning for {yrs}"',
            r"categories\[0\]\.concepts\[\d\]\.any\[\d+\]",
            "unknown placeholder {yrs}",
        ),
        ("        from: 2025\n", "        from: soon\n", r"categories\[1\]\.concepts\[3\]\.from", "expected a date"),
        (
            "      - id: workforce-plan\n",
            "      - idd: workforce-plan\n",
            r"categories\[0\]\.near_misses\[1\]\.idd",
            "unknown field",
        ),
    ],
    ids=["event", "category", "placeholder", "date", "near-miss-key"],
)
def test_each_kind_of_matching_vocabulary_error_names_file_line_and_field(config_dir, old, new, field, message):
    line = edit(config_dir / "matching.yaml", old, new)
    code, out = problems(config_dir)
    assert code == 2
    assert re.search(rf"matching\.yaml:{line}: {field}: .*{re.escape(message)}", out), out


# -- values that would break a pack or mislead a reader ---------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("published: 2014-12-19", "published: 9999-12-31"),
        ("published: 2014-12-19", "published: 2999-01"),
        ("published: 2014-12-19", "published: 1066"),
    ],
)
def test_a_date_outside_the_years_a_register_can_mean_is_refused(config_dir, old, new):
    line = edit(config_dir / "register.yaml", old, new)
    code, out = problems(config_dir)
    assert code == 2
    assert re.search(
        rf"register\.yaml:{line}: milestones\[0\]\.published: .* is outside the years 1900 to 2100", out
    ), out


def test_a_timestamp_outside_the_window_is_refused_too(config_dir):
    path = config_dir / "register.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("    evidence: []")].count("\n") + 1
    path.write_text(
        text.replace(
            "    evidence: []",
            "    evidence:\n      - title: T\n        url: https://www.gov.uk/x\n        source: s\n"
            "        first_seen: '9999-12-31T23:59:59Z'",
            1,
        ),
        encoding="utf-8",
    )
    code, out = problems(config_dir)
    assert code == 2
    assert re.search(rf"register\.yaml:{line + 4}: .*first_seen: .* is outside the years 1900 to 2100", out), out


def test_pack_refuses_a_register_dated_9999_naming_the_line_validate_gives(config_dir, tmp_path):
    line = edit(config_dir / "register.yaml", "published: 2014-12-19", "published: 9999-12-31")
    result = run("pack", "--config", config_dir, "--outputs", tmp_path / "out", "--meeting", "2026-12-10")
    assert result.exit_code == 2
    assert f"register.yaml:{line}: milestones[0].published:" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out" / "packs").exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://user:pw@www.england.nhs.uk/", "holds a user name or password"),
        ("http://127.0.0.1:8080/", "points at a local or private network address"),
        ("https://www.england.nhs.uk/\u202egnp.exe", "holds spaces, line breaks or invisible characters"),
    ],
)
def test_a_register_link_a_governor_must_not_follow_is_refused(config_dir, url, reason):
    pdf = "url: https://www.england.nhs.uk/wp-content/uploads/2015/12/planning-guid-16-17-20-21.pdf\n"
    line = edit(config_dir / "register.yaml", pdf, f"url: {url}\n")
    code, out = problems(config_dir)
    assert code == 2
    assert re.search(rf"register\.yaml:{line}: milestones\[1\]\.sources\[0\]\.url: .*{re.escape(reason)}", out), out


# -- citations and footprints in the register ---------------------------------------------

CHANGE_NHS = "https://www.gov.uk/government/publications/change-nhs-help-build-a-health-service-fit-for-the-future"


@pytest.mark.parametrize(
    ("old", "new", "at", "field", "message"),
    [
        (
            f"url: {CHANGE_NHS}",
            "url: https://www.gov.uk/",
            None,
            r"milestones\[\d+\]\.sources\[0\]\.url",
            "'https://www.gov.uk/' is a home page, not the document",
        ),
        (
            f"url: {CHANGE_NHS}",
            "url: https://www.england.nhs.uk",
            None,
            r"milestones\[\d+\]\.sources\[0\]\.url",
            "is a home page, not the document",
        ),
        (
            '      - title: "Change NHS: help build a health service fit for the future"',
            '      - title: "Change NHS (national conversation (launched 2024))"',
            None,
            r"milestones\[\d+\]\.sources\[0\]\.title",
            "has brackets inside brackets: give the document's own title here and put the note in `note`",
        ),
        (
            "          - system: thames-valley\n            area: East Berkshire",
            "          - system: atlantis\n            area: East Berkshire",
            None,
            r"systems\[0\]\.changes\[0\]\.successors\[0\]\.system",
            "'atlantis' is not the id of any system in the register",
        ),
        (
            "      - date: 2026-04-01\n        kind: split",
            "      - date: 2025-04-01\n        kind: split",
            "          - system: thames-valley",
            r"systems\[0\]\.changes\[0\]\.successors\[0\]\.system",
            "thames-valley begins only on 2026-04-01, after this change (2025-04-01)",
        ),
        (
            "            area: East Berkshire\n",
            "",
            "        successors:\n          - system: thames-valley",
            r"systems\[0\]\.changes\[0\]\.successors",
            "a split change needs two or more successors, each with the `area` it takes",
        ),
        (
            "    current_stage: merged",
            "    current_stage: icb",
            None,
            r"systems\[\d+\]\.current_stage",
            "should be merged: the system ended on 2018-09 (a confirmed merged change)",
        ),
        (
            "        stage: devolution\n        what: Named by NHS England",
            "        stage: merged\n        what: Named by NHS England",
            None,
            r"systems\[\d+\]\.designations\[2\]\.stage",
            "'merged' is not a designation: record how a system ended or changed under `changes:`",
        ),
    ],
)
def test_register_citation_and_footprint_errors_name_file_line_and_field(config_dir, old, new, at, field, message):
    register = config_dir / "register.yaml"
    line = edit(register, old, new)
    if at is not None:  # the problem belongs to another line of the entry
        text = register.read_text(encoding="utf-8")
        line = text.count("\n", 0, text.index(at)) + 1
    code, out = problems(config_dir)
    assert code == 2
    assert re.search(rf"register\.yaml:{line}: {field}: .*{re.escape(message)}", out), out


def test_an_old_accessed_date_is_refused_with_what_to_write_instead(config_dir):
    register = config_dir / "register.yaml"
    line = edit(register, f"url: {CHANGE_NHS}\n", f"url: {CHANGE_NHS}\n        accessed: 2026-11-22\n") + 1
    _, out = problems(config_dir)
    assert re.search(
        rf"register\.yaml:{line}: milestones\[\d+\]\.sources\[0\]\.accessed: `accessed` is no longer read", out
    )
    assert "Write `retrieved: YYYY-MM-DD` only for a page the tracker fetched itself" in out
    assert "note: from the reference briefing, May 2018" in out


def test_an_old_merged_into_is_refused_with_what_to_write_instead(config_dir):
    register = config_dir / "register.yaml"
    line = (
        edit(register, "    current_stage: merged\n", "    current_stage: merged\n    merged_into: thames-valley\n") + 1
    )
    _, out = problems(config_dir)
    assert re.search(
        rf"register\.yaml:{line}: systems\[\d+\]\.merged_into: `merged_into` is replaced by `changes:`", out
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  place: East Berkshire",
            "  place: Atlantis",
            "footprint.place: 'Atlantis' is not one of the areas Frimley Health and Care is planned to be split on "
            "1 April 2026: East Berkshire; Surrey Heath and Farnham; north-east Hampshire (Rushmoor and part of Hart)",
        ),
        (
            "  system: frimley",
            "  system: frimley\n  # no place",
            None,
        ),
    ],
)
def test_a_trust_in_a_system_that_splits_must_name_its_place(config_dir, old, new, message):
    trust = config_dir / "trust.yaml"
    if message is None:  # the place left out: the problem sits on the system line and says what to add
        text = trust.read_text(encoding="utf-8")
        trust.write_text(text.replace("  place: East Berkshire", ""), encoding="utf-8")
        line = edit(trust, old, new)
        message = "footprint.place: is needed: Frimley Health and Care is planned to be split on 1 April 2026"
    else:
        line = edit(trust, old, new)
    code, out = problems(config_dir)
    assert code == 2
    assert f"trust.yaml:{line}: {message}" in out, out


# -- config that once crashed or hung the tools ----------------------------------------


def insert_before(path: Path, anchor: str, text: str) -> int:
    """Insert `text` (whole lines) before the line starting with `anchor`; return its first line number."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(anchor))
    lines[at:at] = [text if text.endswith("\n") else text + "\n"]
    path.write_bytes("".join(lines).encode("utf-8"))
    return at + 1


def one_line_each(out: str) -> list[str]:
    lines = [line for line in out.splitlines() if line.strip()]
    assert all(len(line) < 1000 for line in lines), max(lines, key=len)[:200]
    return lines


@pytest.mark.parametrize("depth", [60, 300, 5000])
def test_deeply_nested_yaml_is_one_sentence_with_its_line(config_dir, depth):
    line = insert_before(config_dir / "trust.yaml", "short_name:", "deep: " + "[" * depth + "]" * depth)
    code, out = problems(config_dir)
    assert code == 2 and "Traceback" not in out, out[-500:]
    assert re.search(rf"trust\.yaml:{line}: .*nested more than \d+ levels deep", out), out[-2000:]
    one_line_each(out)


def test_pack_and_send_refuse_deep_nesting_in_one_line_too(config_dir, tmp_path):
    line = insert_before(config_dir / "trust.yaml", "short_name:", "deep: " + "[" * 400 + "]" * 400)
    for command in (["pack", "--meeting", "2026-12-10"], ["send", "--dry-run", "--meeting", "2026-12-10"]):
        result = run(*command, "--config", config_dir, "--outputs", tmp_path / "out")
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output[-500:]
        assert f"trust.yaml:{line}:" in result.stderr, result.stderr


ALIAS_BOMB = "".join(
    [
        'x0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n',
        *(f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 12)),
    ]
)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("use", ["description: *a11", "short_name: *a11", "name: *a11"])
def test_an_alias_bomb_is_refused_quickly_and_in_one_line(config_dir, use):
    path = config_dir / "trust.yaml"
    path.write_text(ALIAS_BOMB + path.read_text(encoding="utf-8") + use + "\n", encoding="utf-8")
    start = time.monotonic()
    code, out = problems(config_dir)
    assert time.monotonic() - start < 10
    assert code == 2 and "Traceback" not in out
    assert re.search(r"trust\.yaml:\d+: .*aliases .* expand to more than", out) or "duplicate key" in out, out[-800:]
    one_line_each(out)


def test_the_registers_own_reused_citations_are_still_fine(config_dir):
    assert "*" in (config_dir / "register.yaml").read_text(encoding="utf-8")  # it reuses citations by alias
    code, out = problems(config_dir)
    assert code == 0, out


def test_a_huge_bad_value_is_quoted_only_in_part(config_dir):
    path = config_dir / "trust.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("short_name: ", "short_name: X" + "y" * 7_000_000, 1), encoding="utf-8")
    code, out = problems(config_dir)
    assert code == 2 and "should be a lowercase slug" in out
    assert len(out) < 5_000
    one_line_each(out)


def test_a_duplicate_key_is_a_problem_with_its_line(config_dir):
    line = insert_before(config_dir / "trust.yaml", "short_name:", "short_name: again")
    code, out = problems(config_dir)
    assert code == 2 and re.search(r"trust\.yaml:\d+: .*duplicate key 'short_name'", out), out
    assert line > 0


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"", 1, "the file is empty"),
        (b"   \n\n", 1, "the file is empty"),
        (b"name: Trust\nshort_name: tr\xe9s\n", 2, "not UTF-8 text"),
        (b"\xff\xfe\x00\x00", 1, "not UTF-8 text"),
        (b"name: Trust\n\x00oops: 1\n", 2, "YAML syntax error"),
        (b"name: Trust\nshort_name: [a, b\n", 3, "YAML syntax error"),
        (b"just a sentence", 1, "should be a mapping"),
    ],
    ids=["empty", "blank", "latin-1", "utf-32-bom", "nul", "truncated", "scalar"],
)
def test_empty_unreadable_and_truncated_files_are_named_with_a_line(config_dir, content, line, message):
    (config_dir / "trust.yaml").write_bytes(content)
    code, out = problems(config_dir)
    assert code == 2 and "Traceback" not in out
    assert re.search(rf"trust\.yaml:{line}: .*{re.escape(message)}", out), out


def test_an_anchor_defined_twice_is_one_sentence_with_its_line(config_dir):
    path = config_dir / "register.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- &"))
    lines.insert(at, lines[at])  # the line copied by accident
    path.write_text("".join(lines), encoding="utf-8")
    code, out = problems(config_dir)
    assert code == 2 and "Traceback" not in out and "Warning" not in out, out
    twice = rf"register\.yaml:{at + 2}: .*the anchor &\S+ is defined twice \(first at line {at + 1}\)"
    assert re.search(twice, out), out
    one_line_each(out)


def test_a_key_that_is_a_mapping_is_one_sentence_with_its_line(config_dir):
    line = insert_before(config_dir / "trust.yaml", "short_name:", "? {a: [1]}\n: value")
    code, out = problems(config_dir)
    assert code == 2 and "Traceback" not in out, out
    assert re.search(rf"trust\.yaml:{line}: .*a key here is a mapping or a list", out), out


@pytest.mark.parametrize(
    "name", ["register.yaml", "trust.yaml", "questions.yaml", "sources.yaml", "matching.yaml", "governors.yaml"]
)
@pytest.mark.parametrize("text", ["", "\n  \n", "# nothing here yet\n\n# still nothing\n"])
def test_an_empty_config_file_is_one_sentence_naming_it(config_dir, name, text):
    (config_dir / name).write_text(text)
    code, out = problems(config_dir)
    assert code == 2
    assert out.splitlines() == [f"{config_dir / name}:1: the file is empty", "Error: 1 problem in 1 file"]


def test_an_empty_trust_file_in_a_multi_trust_deployment_is_one_sentence(config_dir):
    from tests.conftest import add_trust

    trusts = add_trust(config_dir, "oakdale")
    (trusts / "oakdale.yaml").write_text("# to do\n")
    code, out = problems(config_dir)
    assert code == 2
    assert f"{trusts / 'oakdale.yaml'}:1: the file is empty" in out.splitlines()


@pytest.mark.parametrize("name", ["sources.yaml", "matching.yaml"])
def test_a_missing_sources_or_matching_file_is_a_problem_validate_reports(config_dir, name):
    (config_dir / name).unlink()
    code, out = problems(config_dir)
    assert code == 2
    assert out.splitlines()[0].startswith(f"{config_dir / name}: file not found: `.venv/bin/tracker track` reads")


@pytest.mark.parametrize("command", [("track", "--dry-run"), ("match", "tests/fixtures/feeds/nhs-england.xml")])
def test_track_and_match_refuse_to_run_without_the_matching_vocabulary(config_dir, tmp_path, command):
    (config_dir / "matching.yaml").unlink()
    result = run(*command, "--config", config_dir, "--outputs", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: {config_dir / 'matching.yaml'}: file not found: `.venv/bin/tracker {command[0]}` needs it to recognise"
        " policy news (restore it, e.g. with git checkout, or copy the shipped config/matching.yaml)"
    )
    assert not (tmp_path / "out").exists()


def test_a_register_error_and_a_question_naming_no_milestone_are_reported_in_one_run(config_dir):
    register_line = edit(config_dir / "register.yaml", "category: planning-guidance", "category: planning")
    question_line = edit(config_dir / "questions.yaml", "milestones: [ics-statutory-icbs-2022", "milestones: [ltp")
    edit(config_dir / "trust.yaml", "system: frimley", "system: frimly")
    code, out = problems(config_dir)
    assert code == 2
    assert f"questions.yaml:{question_line}: questions[0].position.milestones[0]: 'ltp' is not the id" in out
    assert f"register.yaml:{register_line}: milestones[0].category: 'planning' is not one of" in out
    assert "trust.yaml:" in out and "'frimly' is not the id of any system in the register" in out
    assert out.splitlines()[-1] == "Error: 3 problems in 3 files"


def test_a_register_that_cannot_be_read_reports_only_itself_not_every_reference_to_it(config_dir):
    (config_dir / "register.yaml").write_text("milestones: [\n")
    code, out = problems(config_dir)
    assert code == 2
    assert out.splitlines()[-1] == "Error: 1 problem in 1 file", out


def test_validate_says_it_is_using_the_fictional_governors_example_as_every_command_does(config_dir):
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 0
    assert result.stderr == (
        f"Warning: {config_dir / 'governors.yaml'} not found: using the fictional"
        f" {config_dir / 'governors.example.yaml'} (copy it and add your governors)\n"
    )
    (config_dir / "governors.yaml").write_text((config_dir / "governors.example.yaml").read_text())
    assert run("validate", "--config", config_dir).stderr == ""


def test_a_missing_word_template_is_one_problem_before_pack_needs_it(config_dir):
    line = edit(config_dir / "trust.yaml", "template: ../templates/", "template: ../nowhere/")
    code, out = problems(config_dir)
    assert code == 2
    missing = (config_dir.parent / "nowhere" / "governors-briefing.docx").resolve()
    assert out.splitlines() == [
        f"{config_dir / 'trust.yaml'}:{line}: pack.template: the Word template {missing} does not exist",
        "Error: 1 problem in 1 file",
    ]


def test_a_meeting_date_in_words_asks_for_a_full_date(config_dir):
    line = edit(config_dir / "trust.yaml", "- date: 2026-12-10", "- date: 10 June 2027")
    code, out = problems(config_dir)
    assert code == 2
    assert re.search(
        rf"trust\.yaml:{line}: council_of_governors\.meetings\[\d+\]\.date: expected a full date like 2027-06-10"
        r" \(year-month-day\), got '10 June 2027'",
        out,
    ), out
