"""What ``import activelabel`` gives: a sorted, true ``__all__``, and a light import."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import activelabel
import activelabel.exceptions


def test_public_api_all_is_sorted_and_unique() -> None:
    names = activelabel.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))


def test_public_api_every_name_in_all_exists() -> None:
    for name in activelabel.__all__:
        assert getattr(activelabel, name) is not None, name


def test_public_api_has_the_version_and_the_facade() -> None:
    from activelabel.__about__ import __version__
    from activelabel.project import LeasedItem, Project

    assert activelabel.__version__ == __version__
    assert activelabel.Project is Project
    assert activelabel.LeasedItem is LeasedItem
    assert {"Project", "__version__"} <= set(dir(activelabel))


def test_public_api_has_the_labeling_function_decorator_and_it_loads_light() -> None:
    from activelabel.weak.python_functions import labeling_function

    assert activelabel.labeling_function is labeling_function
    loaded = _modules_after("import activelabel\nactivelabel.labeling_function")
    assert not loaded & {"numpy", "ahocorasick", "sqlalchemy", "sklearn", "pandas"}


def test_public_api_exports_the_whole_exception_tree() -> None:
    tree = {
        name
        for name, value in vars(activelabel.exceptions).items()
        if inspect.isclass(value) and issubclass(value, activelabel.ActiveLabelError)
    }
    assert tree == set(activelabel.exceptions.__all__)
    assert tree <= set(activelabel.__all__)
    for name in tree:
        assert getattr(activelabel, name) is getattr(activelabel.exceptions, name)


def test_public_api_unknown_name_is_an_attribute_error() -> None:
    try:
        activelabel.Projet  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "Projet" in str(error)
    else:
        raise AssertionError("activelabel.Projet should not exist")


def _modules_after(code: str) -> set[str]:
    """The top-level modules a fresh interpreter holds after running ``code``."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_public_api_import_is_light() -> None:
    loaded = _modules_after("import activelabel")
    assert not loaded & {"sklearn", "pandas", "torch", "scipy", "sqlalchemy"}


def test_public_api_facade_import_loads_no_model_stack() -> None:
    # The facade brings the store; pandas and scikit-learn wait for the
    # methods that need them (stats, labels, run_round).
    loaded = _modules_after("from activelabel import Project")
    assert "sqlalchemy" in loaded
    assert not loaded & {"sklearn", "pandas", "torch", "scipy"}


def test_the_command_line_and_the_server_it_serves_load_no_model_stack(
    tmp_path: Path,
) -> None:
    # `activelabel serve` is the CLI: a command module importing the model
    # stack at the top (scikit-learn, SciPy, pandas, pyarrow) put ~230 MiB into
    # the server process, which only the round worker and commands need.
    db = tmp_path / "light.db"
    loaded = _modules_after(
        "import activelabel.cli\n"
        "from activelabel.cli.app import open_db\n"
        "from activelabel.server.app import create_app\n"
        f"create_app(open_db({f'sqlite:///{db}'!r}))"
    )
    assert not loaded & {"sklearn", "pandas", "torch", "scipy", "pyarrow", "cleanlab"}
    # numpy (16 MiB) and the keyword matcher wait for the commands and routes
    # of agreement and labeling functions.
    assert not loaded & {"numpy", "ahocorasick"}
