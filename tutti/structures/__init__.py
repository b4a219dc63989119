"""A structure and its settings: the structure itself, SMS settings, the option, credit orders, contact requests."""
