#!/usr/bin/env bash
# Creates one database per service, once, when the postgres container initialises an empty data
# directory (the official image runs executable *.sh files in /docker-entrypoint-initdb.d/ as the
# postgres user, against a temporary server reachable only on the Unix socket).
# Keep this list in step with the <SERVICE>_DB__URL values in docker-compose.yml
# (tests/test_compose_file.py checks it).
set -euo pipefail

databases=(motcua_catalog motcua_dossier motcua_payment motcua_notify motcua_gateway)

for db in "${databases[@]}"; do
  echo "init-databases: creating database ${db}"
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    --set db="${db}" <<-'EOSQL'
	CREATE DATABASE :"db";
EOSQL
done
