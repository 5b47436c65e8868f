"""``activelabel user add / list / revoke``: roles, last use, revocation, honest help."""

from __future__ import annotations

from typer.testing import CliRunner

from activelabel.cli import app
from activelabel.store.engine import open_store
from activelabel.store.users import user_for_token

runner = CliRunner()


def run(*args: str, db_url: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--db", db_url])
    return result.exit_code, result.stdout, result.stderr


def test_user_add_takes_a_role_and_user_list_shows_it(db_url: str) -> None:
    code, out, err = run("user", "add", "rita", "--role", "reviewer", db_url=db_url)
    assert code == 0, err
    assert "Added reviewer rita" in out
    token = out.strip().splitlines()[-1]
    assert run("user", "add", "ann", db_url=db_url)[0] == 0
    code, out, _ = run("user", "list", db_url=db_url)
    assert code == 0
    header = out.splitlines()[1]
    for column in ("name", "role", "created", "last use", "revoked"):
        assert column in header
    rows = {line.split()[1]: line for line in out.splitlines() if "│" in line}
    assert "reviewer" in rows["rita"] and "annotator" in rows["ann"]
    assert token not in out


def test_admin_is_an_alias_of_role_admin_and_cannot_contradict_it(
    db_url: str,
) -> None:
    code, out, err = run("user", "add", "boss", "--admin", db_url=db_url)
    assert code == 0, err
    assert "Added admin boss" in out
    code, _, err = run(
        "user", "add", "x", "--admin", "--role", "reviewer", db_url=db_url
    )
    assert code == 1
    assert "--admin and --role reviewer disagree" in err


def test_an_unknown_role_is_refused_with_the_roles_there_are(db_url: str) -> None:
    code, _, err = run("user", "add", "x", "--role", "owner", db_url=db_url)
    assert code == 1
    assert "Unknown role 'owner'; use one of annotator, reviewer, admin." in err


def test_user_revoke_stops_the_token_and_user_list_says_when(db_url: str) -> None:
    code, out, _ = run("user", "add", "ann", db_url=db_url)
    token = out.strip().splitlines()[-1]
    code, out, err = run("user", "revoke", "ann", db_url=db_url)
    assert code == 0, err
    assert "Revoked the token of ann" in out
    store = open_store(db_url)
    try:
        with store.session() as session:
            user = user_for_token(session, token)
            assert user is not None and user.revoked_at is not None
    finally:
        store.close()
    code, out, _ = run("user", "list", db_url=db_url)
    row = next(line for line in out.splitlines() if " ann " in line)
    assert row.count("-") >= 4  # created and revoked dates
    code, _, err = run("user", "revoke", "nobody", db_url=db_url)
    assert code == 1 and "No user named 'nobody'" in err


def test_user_add_help_says_what_the_server_checks_for_each_role() -> None:
    result = runner.invoke(app, ["user", "add", "--help"])
    assert result.exit_code == 0
    # The words, without the help panel's frame.
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "checked on every request" in text
    for promise in (
        "annotator: lease next tasks, label, skip, undo and edit their own labels",
        "reviewer: also read every annotator's labels",
        "admin: also export, retrain, change project settings and keys",
        "The same as --role admin.",
    ):
        assert promise in text, promise
    help_of_revoke = runner.invoke(app, ["user", "revoke", "--help"]).stdout
    assert "refused (401)" in " ".join(help_of_revoke.replace("│", " ").split())
