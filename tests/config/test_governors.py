"""The governors file and the SMTP block of trust.yaml, as `tracker validate` checks them."""

from __future__ import annotations

import re

import pytest

from tests.conftest import CONFIG, run
from tracker.config.governors import load_governors
from tracker.config.workspace import Workspace


def governors_file(config_dir, body: str):
    path = config_dir / "governors.yaml"
    path.write_text("governors:\n" + body, encoding="utf-8")
    return path


GOOD = """\
  - name: Priya Example
    email: priya@example.org
    type: public
    constituency: Surrey Heath
"""


def test_the_shipped_example_covers_every_type_both_formats_and_an_inactive_governor():
    governors = load_governors(CONFIG / "governors.example.yaml")
    assert {g.type for g in governors} == {"public", "staff", "appointed"}
    assert {g.format for g in governors} == {"docx", "pdf"}
    assert [g.active for g in governors].count(False) == 1
    assert all(g.email.endswith("@example.org") for g in governors)


def test_the_example_is_used_only_when_governors_yaml_is_absent(config_dir):
    ws = Workspace(config_dir)
    assert (ws.governors, ws.governors_is_example) == (config_dir / "governors.example.yaml", True)
    governors_file(config_dir, GOOD)
    assert (ws.governors, ws.governors_is_example) == (config_dir / "governors.yaml", False)


def test_governors_yaml_is_git_ignored():
    from tests.test_gitignore import ignored

    assert ignored("config/governors.yaml") and ignored("config/governors.yml")


def test_a_governors_file_spelt_yml_is_the_one_used(config_dir):
    path = config_dir / "governors.yml"
    path.write_text("governors:\n" + GOOD, encoding="utf-8")
    ws = Workspace(config_dir)
    assert (ws.governors, ws.governors_is_example) == (path, False)


def test_validate_checks_governors_yaml_when_present(config_dir):
    governors_file(config_dir, GOOD)
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 0, result.output
    assert "governors.yaml are valid" in result.output


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("    email: priya.example.org", "email", "'priya.example.org' is not a valid email address"),
        ("    email: priya@example", "email", "'priya@example' is not a valid email address"),
        ("    email: 'a@example.org, b@example.org'", "email", "is not a valid email address"),
        ('    email: "a@example.org\\r\\nBcc: x@example.org"', "email", "is not a valid email address"),
        ("    email: priyä@example.org", "email", "should be written in plain ASCII letters"),
        ('    name: "Eve\\nBcc: everyone@example.org"', "name", "must be one line of text without control characters"),
        (
            "    name: =?utf-8?q?Evil=0D=0ABcc=3A_evil=40example.net?=",
            "name",
            "holds an email encoded word (=?...?=) that decodes to a line break or control character",
        ),
        ("    name: =?utf-8?b?UHJpeWE=?=", "name", "holds an email encoded word (=?...?=)"),
        ("    email: =?utf-8?q?x=0D=0A?=@example.org", "email", "holds an email encoded word"),
        ("    type: elected", "type", "'elected' is not one of: public, staff, appointed"),
        ("    format: odt", "format", "'odt' is not one of: docx, pdf"),
        ("    active: sometimes", "active", "should be true or false"),
        ("    phone: 01234", "phone", "unknown field"),
    ],
)
def test_invalid_governor_entries_are_rejected_with_file_line_and_field(config_dir, line, field, message):
    fields = {"name": "    name: Priya", "email": "    email: priya@example.org", "type": "    type: public"}
    fields[line.split(":")[0].strip()] = line  # replace that field, or add a new one
    entry = "\n".join(fields.values()).replace("    ", "  - ", 1)
    path = governors_file(config_dir, entry + "\n  - name: Second\n    email: second@example.org\n    type: staff\n")
    lineno = 2 + list(fields.values()).index(line)
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    where = rf"{re.escape(str(path))}:{lineno}: governors\[0\]\.{field}: "
    assert re.search(where + rf".*{re.escape(message)}", result.output), result.output


def test_the_same_address_twice_is_reported(config_dir):
    governors_file(config_dir, GOOD + GOOD.replace("Priya Example", "Someone Else").replace("priya@", "PRIYA@"))
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    assert re.search(
        r"governors\.yaml:7: governors\[1\]\.email: duplicate email address 'priya@example.org'", result.output
    )


def test_validate_checks_the_example_when_there_is_no_governors_yaml(config_dir):
    text = (config_dir / "governors.example.yaml").read_text().replace("tom.sample@example.org", "tom.sample@")
    (config_dir / "governors.example.yaml").write_text(text)
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    assert re.search(
        r"governors\.example\.yaml:\d+: governors\[1\]\.email: 'tom\.sample@' is not a valid", result.output
    )


EMAIL_BLOCK = """
email:
  host: smtp.example.org
  port: 587
  user: tracker
  security: starttls
  from: company.secretary@example.org
"""


def test_a_valid_email_block_in_trust_yaml_is_accepted(config_dir):
    with open(config_dir / "trust.yaml", "a") as fh:
        fh.write(EMAIL_BLOCK)
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("security: starttls", "security: ssl", "email.security", "'ssl' is not one of: starttls, tls, none"),
        ("port: 587", "port: 70000", "email.port", "70000 is not a port number"),
        ("port: 587", "port: smtp", "email.port", "should be a whole number"),
        ("from: company.secretary@example.org", "from: secretary", "email.from", "is not a valid email address"),
        ("host: smtp.example.org", "host: smtp://smtp.example.org", "email.host", "should be a host name"),
        ("user: tracker", "password: hunter2", "email.password", "never put the password in a file"),
        ("security: starttls", "security: none", "email.security", "would send the password unencrypted"),
    ],
)
def test_email_block_errors_name_file_line_and_field(config_dir, old, new, field, message):
    path = config_dir / "trust.yaml"
    text = path.read_text() + EMAIL_BLOCK.replace(old, new)
    path.write_text(text)
    lineno = text.splitlines().index(f"  {new}") + 1
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    assert re.search(rf"trust\.yaml:{lineno}: {re.escape(field)}: .*{re.escape(message)}", result.output), result.output


ENCODED = "=?utf-8?q?Evil=0D=0ABcc=3A_evil=40example.net?="


@pytest.mark.parametrize(
    ("old", "field"),
    [
        ("name: Fernbrook NHS Foundation Trust (fictional example)", "name"),
        ("  name: Alex Morgan (fictional)", "secretary.name"),
    ],
)
def test_trust_and_secretary_names_that_reach_a_header_refuse_encoded_words(config_dir, old, field):
    path = config_dir / "trust.yaml"
    text = path.read_text(encoding="utf-8")
    lineno = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, old.split(":")[0] + ": " + ENCODED, 1), encoding="utf-8")
    result = run("validate", "--config", config_dir)
    assert result.exit_code == 2
    assert re.search(
        rf"trust\.yaml:{lineno}: {re.escape(field)}: .*holds an email encoded word .* decodes to a line break",
        result.output,
    ), result.output
