"""The two things the seed's charms used from layer-caas-base: config flags
managed before dispatch, and pod-spec-set through a file."""
import subprocess
import tempfile

from charmhelpers.core import hookenv
from charms.reactive import clear_flag, set_flag, toggle_flag


def init_config_states():
    """Sets config.changed[.<opt>], config.set.<opt> and config.default.<opt>."""
    config = hookenv.config()
    for opt in config.keys():
        if config.changed(opt):
            set_flag("config.changed")
            set_flag("config.changed.{}".format(opt))
        toggle_flag("config.set.{}".format(opt), config.get(opt) not in (None, ""))
        toggle_flag("config.default.{}".format(opt), config.get(opt) == config.previous(opt))
    hookenv.atexit(clear_config_states)


def clear_config_states():
    for opt in hookenv.config().keys():
        for family in ("changed", "set", "default"):
            clear_flag("config.{}.{}".format(family, opt))
    clear_flag("config.changed")


def pod_spec_set(spec):
    """Calls pod-spec-set with the spec in a file; True when it succeeded."""
    with tempfile.NamedTemporaryFile(mode="w", suffix=".yaml") as f:
        f.write(spec)
        f.flush()
        return subprocess.call(["pod-spec-set", "--file", f.name]) == 0
