"""Property-based checks of every GET operation of the OpenAPI schema (schemathesis): generated parameters,
valid and not, never give a server error, an undocumented status or content type, or a body that violates
the documented schema. Runs on the published engine cast, in both backends (make test)."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application).include(method="GET")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def data(published, handmade):
    # As Django's test client does: requests must not close the connection holding the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield published
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_get_operation_honours_the_schema(data, case):
    # The in-process WSGI client does not decompress: ask for identity (GZipMiddleware compresses otherwise).
    case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
