"""Prints, as JSON, what charmcraft itself derives from the charm project in
argv[1]: {"metadata": ..., "config": ..., "actions": ...}, through charmcraft's
own preprocessing (metadata.yaml/config.yaml/actions.yaml merged in) and
models (CharmMetadata.from_charm), as `charmcraft pack` does before writing
the files into the charm."""
import json
import pathlib
import sys
import warnings

warnings.simplefilter("ignore")

import yaml  # noqa: E402
from charmcraft import preprocess  # noqa: E402
from charmcraft.models.metadata import CharmMetadata  # noqa: E402
from charmcraft.models.project import CharmcraftProject  # noqa: E402

project_dir = pathlib.Path(sys.argv[1])
data = yaml.safe_load((project_dir / "charmcraft.yaml").read_text())
preprocess.add_metadata(project_dir, data)
preprocess.add_config(project_dir, data)
preprocess.add_actions(project_dir, data)
project = CharmcraftProject.unmarshal(data)
marshalled = project.marshal()
print(
    json.dumps(
        {
            "metadata": CharmMetadata.from_charm(project).marshal(),
            "config": marshalled.get("config"),
            "actions": marshalled.get("actions"),
        }
    )
)
