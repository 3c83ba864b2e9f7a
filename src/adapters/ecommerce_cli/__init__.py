"""The ecommerce command line: a driving adapter over the composition root."""
