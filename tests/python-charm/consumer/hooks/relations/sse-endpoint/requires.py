"""The requires side of the sse-endpoint interface: the provider publishes a
JSON-encoded base-url. Like the seed's interface, it never clears
endpoint.<ep>.changed.base-url, so base_url_changed runs in every hook."""
from charms.reactive import Endpoint, clear_flag, set_flag, when, when_not


class SSEEndpointRequires(Endpoint):
    @when("endpoint.{endpoint_name}.joined")
    @when_not("{endpoint_name}.available")
    def joined(self):
        if self.base_url:
            set_flag(self.expand_name("{endpoint_name}.available"))

    @when_not("endpoint.{endpoint_name}.joined")
    @when("{endpoint_name}.available")
    def broken(self):
        clear_flag(self.expand_name("{endpoint_name}.available"))

    @when("endpoint.{endpoint_name}.changed.base-url")
    def base_url_changed(self):
        if self.base_url:
            set_flag(self.expand_name("{endpoint_name}.changed"))
        else:
            clear_flag(self.expand_name("{endpoint_name}.available"))

    @property
    def base_url(self):
        return self.all_joined_units.received["base-url"]
