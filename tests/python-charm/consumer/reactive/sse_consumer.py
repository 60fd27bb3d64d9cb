"""Handlers of the test consumer: the same flags and statuses as the seed's
sse-consumer, so a dying unit still reports "Please add relationship"."""
from charmhelpers.core import hookenv
from charms.layer import caas_base
from charms.reactive import (
    clear_flag,
    endpoint_from_flag,
    register_trigger,
    set_flag,
    when,
    when_all,
    when_not,
)

IMAGE = "layer.docker-resource.consumer_image.available"

SPEC = """containers:
  - name: {name}
    imageDetails:
      imagePath: example/sse-consumer:latest
    ports:
    - containerPort: 8080
      protocol: TCP
    config:
      BASE_URL: {base_url}
"""


@when_not(IMAGE)
def fetch_image():
    # Stands in for layer-docker-resource's auto-fetched oci-image resource.
    set_flag(IMAGE)


@when_not("endpoint.sse-endpoint.joined")
def notify_relation_needed():
    hookenv.status_set("blocked", "Please add relationship to sse endpoint.")


@when("endpoint.sse-endpoint.joined")
@when_not("sse-endpoint.available")
def notify_waiting():
    hookenv.status_set("waiting", "Waiting for sse endpoint to send connection information.")


@when_all(IMAGE, "sse-endpoint.available")
@when_not("consumer.configured")
def config_consumer():
    hookenv.status_set("maintenance", "Configuring consumer container")
    base_url = endpoint_from_flag("sse-endpoint.available").base_url
    spec = SPEC.format(name=hookenv.charm_name(), base_url=base_url)
    if caas_base.pod_spec_set(spec):
        set_flag("consumer.configured")
        clear_flag("sse-endpoint.changed")
        hookenv.status_set("active", "Pods created ({})".format(base_url))
    else:
        hookenv.status_set("blocked", "k8s spec failed to deploy")


# A changed URL forces a new pod spec.
register_trigger(when="sse-endpoint.changed", clear_flag="consumer.configured")
