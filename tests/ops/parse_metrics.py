"""Reads an OpenMetrics exposition on stdin with the Prometheus client library's strict parser
and prints its families as JSON: {name: {"type": ..., "samples": [[name, labels, value], ...]}}.
A malformed exposition raises, and the test that ran this fails with the parser's message."""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

families = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    families[family.name] = {
        "type": family.type,
        "help": family.documentation,
        "samples": [[s.name, s.labels, s.value] for s in family.samples],
    }
json.dump(families, sys.stdout)
