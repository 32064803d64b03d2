"""Reconciliation: provider and bank statements matched against what we recorded."""
