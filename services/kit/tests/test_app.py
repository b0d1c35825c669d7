"""A service's workers: declared in its ServiceSpec, built from the app's state in order, started after
the relay (when background work is on) and stopped in reverse order, by the kit's lifespan."""

import pytest
from fastapi.testclient import TestClient

from services.kit.app import ServiceSpec, create_service_app
from services.kit.settings import ServiceSettings
from tests.support.apps import unit_settings


class Recorder:
    def __init__(self, name: str, log: list) -> None:
        self.name, self.log = name, log

    def start(self) -> None:
        self.log.append(("start", self.name))

    def stop(self) -> None:
        self.log.append(("stop", self.name))


def spec(log: list, seen: dict, *, handlers: bool = True) -> ServiceSpec:
    def first(state):
        return Recorder("first", log)

    def second(state):
        seen["first, seen by second"] = state.first
        return Recorder("second", log)

    def registry(state):
        seen["second, seen by the handlers"] = state.second
        return {"liaison.test.happened": [lambda event, *, session: None]}

    return ServiceSpec(
        name="kit-test",
        title="kit test",
        routers=[],
        handlers=registry if handlers else {},
        consumes=["liaison.test.v1"] if handlers else [],
        workers={"first": first, "second": second},
    )


def test_workers_are_built_in_order_from_the_state_and_stopped_in_reverse(new_engine):
    log, seen = [], {}
    app = create_service_app(
        spec(log, seen), unit_settings(ServiceSettings, kafka_sasl_username="kit-test"), engine=new_engine("partners")
    )
    with TestClient(app):
        assert isinstance(app.state.first, Recorder) and isinstance(app.state.second, Recorder)
        assert seen == {"first, seen by second": app.state.first, "second, seen by the handlers": app.state.second}
        assert app.state.consumer is not None, "the handlers' factory made the consumer's registry"
        assert log == [], "background work is off (kafka_enabled=False): nothing starts"
    assert log == [("stop", "second"), ("stop", "first")]


@pytest.mark.kafka
def test_with_background_work_on_they_start_in_order_and_stop_in_reverse(new_engine, kafka_broker):
    log, seen = [], {}
    settings = unit_settings(
        ServiceSettings, kafka_enabled=True, kafka_sasl_username="partners", **kafka_broker.service_settings("partners")
    )
    app = create_service_app(spec(log, seen, handlers=False), settings, engine=new_engine("partners"))
    with TestClient(app):
        assert log == [("start", "first"), ("start", "second")]
        assert app.state.relay._thread.is_alive(), "the relay runs beside them"
    assert log == [("start", "first"), ("start", "second"), ("stop", "second"), ("stop", "first")]
