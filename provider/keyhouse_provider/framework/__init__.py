"""A resource model over the ``tf`` package, with what the provider needs and ``tf`` lacks.

``tf`` 1.2.0 speaks plugin protocol 6 and runs the gRPC server; this layer adds
plans for creates (``tf`` plans creates without asking the resource), the
config in plans, replacement for nested blocks, destroy plans, defaults that
apply on update too, list and single nested blocks, object types, state
upgrades without warnings, and errors as diagnostics instead of tracebacks.

It knows nothing of the provider built on it: a provider hands its resources its
own data (``Resource[D]``, ``provider_data``), names its type prefix, and passes
its error mapper to ``Servicer``. Imports inside the package are relative, so the
folder lifts into another provider unchanged.
"""
