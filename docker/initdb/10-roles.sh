#!/bin/sh
# Runs once, when the db service initialises an empty data directory (docker-entrypoint-initdb.d).
# Creates the three roles of the stack and the oprisk database owned by oprisk_owner:
#   oprisk_owner   owns the schema; only the one-shot `migrate` service logs in as it
#   oprisk_writer  the API: reads, appends facts, keeps the read models; never a superuser
#   oprisk_reader  read-only (analysts' tools)
# Privileges on the tables the owner creates follow from ALTER DEFAULT PRIVILEGES below.
# `oprisk db upgrade` (the migrate service, as oprisk_owner) then narrows the grants table by table
# to what `oprisk db roles` defines (docs/security.md); outside compose a DBA runs
# `oprisk db roles --apply` as a superuser instead of this script.
set -eu
: "${OPRISK_OWNER_PASSWORD:?set it in docker/db.env}"
: "${OPRISK_WRITER_PASSWORD:?set it in docker/db.env}"
: "${OPRISK_READER_PASSWORD:?set it in docker/db.env}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_pw="$OPRISK_OWNER_PASSWORD" -v writer_pw="$OPRISK_WRITER_PASSWORD" \
  -v reader_pw="$OPRISK_READER_PASSWORD" <<'SQL'
CREATE ROLE oprisk_owner LOGIN PASSWORD :'owner_pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE oprisk_writer LOGIN PASSWORD :'writer_pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE oprisk_reader LOGIN PASSWORD :'reader_pw' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE oprisk OWNER oprisk_owner;
\connect oprisk
REVOKE ALL ON DATABASE oprisk FROM PUBLIC;
GRANT CONNECT ON DATABASE oprisk TO oprisk_writer, oprisk_reader;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO oprisk_owner;
GRANT USAGE ON SCHEMA public TO oprisk_writer, oprisk_reader;
-- tables the owner creates: the writer may read and write rows (the events table's triggers
-- refuse UPDATE, DELETE and TRUNCATE for everyone); the reader may only read
ALTER DEFAULT PRIVILEGES FOR ROLE oprisk_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO oprisk_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE oprisk_owner IN SCHEMA public
  GRANT SELECT ON TABLES TO oprisk_reader;
SQL
