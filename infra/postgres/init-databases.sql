-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d), as the
-- POSTGRES_USER superuser (liaison). One database per service; search needs unaccent and pg_trgm.
CREATE DATABASE partners OWNER liaison;
CREATE DATABASE engagements OWNER liaison;
CREATE DATABASE notifications OWNER liaison;
CREATE DATABASE gateway OWNER liaison;

\connect partners
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

\connect engagements
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

\connect notifications
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
