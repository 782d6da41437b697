"""API shapes of production runs: ``*Input`` validate requests, ``*Output`` render responses; one
module per concern: ``fields`` (shared limits and enums), ``refs``, ``variance``, ``outputs`` (the run),
``gcode``,
``inputs`` (create, edit, endings), ``jobs`` (starting a queued job), ``analytics``.

Weights are grams and money is a decimal string with two places; variance percentages have one.
Nested request rows validate straight into the service dataclasses (``ItemSpec``,
``MaterialSpec``, ``MaterialActual``, ``ItemOutcome``), so a view passes ``validated_data``
to the service as it is.
"""
