"""The pure domain: values, entities and rules. No I/O, no clock reads, no globals."""
