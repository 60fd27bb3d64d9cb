"""Entry point of every hook, as layer-caas-base's hook template does it:
config flags are set before charms.reactive's main() discovers handlers."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ["JUJU_CHARM_DIR"], "lib"))

# charmhelpers 1.2.1 refuses to import charmhelpers.core.host on Debian (it
# matches only a lowercase "debian" in /etc/os-release); Juju units run Ubuntu.
import charmhelpers.osplatform  # noqa: E402

charmhelpers.osplatform.get_platform = lambda: "ubuntu"

from charms.layer import caas_base  # noqa: E402
from charms.reactive import main  # noqa: E402

caas_base.init_config_states()
main()
