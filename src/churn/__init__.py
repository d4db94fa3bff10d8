"""churn: the small customer-churn ML system the course tests.

Modules: ``schema`` (the one definition of the data), ``data`` (synthetic and
golden datasets), ``validate`` (the data contract).
"""
