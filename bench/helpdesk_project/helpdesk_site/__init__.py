"""A minimal django-helpdesk 2.6 site, the peer of bench/bench_case_create.py (not product code)."""
