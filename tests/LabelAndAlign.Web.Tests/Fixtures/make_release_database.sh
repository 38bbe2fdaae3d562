#!/usr/bin/env bash
# Makes release-5ef0515.db: a database written by the release before EF Core migrations (commit
# 5ef0515, schema script version 5), used by the upgrade tests. It drives that release's own web
# app through its API: people, a labeling project with items, labels, a skip and a verdict, an
# imported dataset, and a finished SFT run with metrics, samples and two checkpoints.
#
#   bash make_release_database.sh <path to that release's LabelAndAlign.Web executable>
#
# Needs curl, jq and sqlite3. Writes the fixture beside this script.
set -euo pipefail
exe=${1:?give the path of the 5ef0515 build of LabelAndAlign.Web}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
url="http://127.0.0.1:$port"
key="fixture-admin-key-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$(dirname "$exe")" && exec env ASPNETCORE_URLS="$url" ConnectionStrings__Default="Data Source=$work/labelandalign.db" \
  Bootstrap__AdminEmail=admin@example.com Bootstrap__AdminPassword="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  Bootstrap__ApiKey="$key" Logging__Console__FormatterName=simple "$exe" >"$work/app.log" 2>&1) &
pid=$!
for _ in $(seq 1 300); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

api() { local method=$1 path=$2; shift 2; curl -fsS -X "$method" "$url$path" -H "Authorization: Bearer ${AS:-$key}" "$@"; }
json() { api "$1" "$2" -H 'Content-Type: application/json' -d "$3"; }

lead=$(json POST /api/users '{"email":"lead@example.com","password":"lead-password-1","role":"Lead"}' | jq .id)
ana=$(json POST /api/users '{"email":"ana@example.com","password":"ana-password-12","role":"Labeler"}' | jq .id)
ben=$(json POST /api/users '{"email":"ben@example.com","password":"ben-password-12","role":"Labeler"}' | jq .id)
json POST /api/users '{"email":"viewer@example.com","password":"viewer-password","role":"Viewer"}' >/dev/null
ana_key=$(json POST "/api/users/$ana/keys" '{"name":"ana script"}' | jq -r .key)
ben_key=$(json POST "/api/users/$ben/keys" '{"name":"ben script"}' | jq -r .key)

project=$(json POST /api/projects '{"name":"Fixture project","guidelines":"Pick the **kinder** reply.","labelsPerItem":2,"rubric":["Helpfulness"],"askRationale":true,"leaseMinutes":30,"goldRate":0}' | jq .id)
for who in ana ben; do json POST "/api/projects/$project/members" "{\"email\":\"$who@example.com\",\"role\":\"Labeler\"}" >/dev/null; done
items=""
for i in 1 2 3 4 5 6; do
  items+=$(jq -cn --arg i "$i" '{id: ("ext-" + $i), prompt: ("Say something nice, take " + $i), response_a: ("You are great " + $i), response_b: ("Meh " + $i), model_a: "kind-v1", model_b: "blunt-v1"}')$'\n'
done
api POST "/api/projects/$project/items" -H 'Content-Type: application/x-ndjson' --data-binary "$items" >/dev/null

label_next() { # labeler key, choice
  local a; a=$(AS=$1 api POST "/api/projects/$project/assignments/next")
  AS=$1 json POST "/api/assignments/$(jq .assignmentId <<<"$a")/label" "{\"choice\":\"$2\",\"strength\":2,\"ratings\":{\"left\":{\"Helpfulness\":4},\"right\":{\"Helpfulness\":2}},\"rationale\":\"kinder\"}" >/dev/null
}
for c in left right left tie; do label_next "$ana_key" "$c"; done
for c in left left right; do label_next "$ben_key" "$c"; done
skip=$(AS=$ben_key api POST "/api/projects/$project/assignments/next")
AS=$ben_key api POST "/api/assignments/$(jq .assignmentId <<<"$skip")/skip" >/dev/null
AS=$ben_key api POST "/api/projects/$project/assignments/next" >/dev/null   # one lease left open
first_item=$(api GET "/api/projects/$project/export?format=votes" | jq -s "map(.item_id) | min")
json POST "/api/projects/$project/items/$first_item/verdict" '{"verdict":"a"}' >/dev/null

rows=""
for i in $(seq 1 40); do rows+=$(jq -cn --arg i "$i" '{prompt: ("The film number " + $i + " was"), completion: (" wonderful, truly " + $i + ".")}')$'\n'; done
dataset=$(api POST "/api/datasets?name=fixture%20reviews" -H 'Content-Type: application/x-ndjson' --data-binary "$rows" | jq .id)
run=$(json POST /api/runs "{\"name\":\"fixture sft\",\"algorithm\":\"sft\",\"config\":{\"max_steps\":20,\"batch_size\":4,\"max_length\":32,\"save_every\":10,\"learning_rate\":0.003},\"source\":{\"datasetId\":$dataset}}" | jq .id)
for _ in $(seq 1 600); do
  status=$(api GET "/api/runs/$run" | jq -r .status)
  [ "$status" = Completed ] && break
  [ "$status" = Failed ] && { api GET "/api/runs/$run"; exit 1; }
  sleep 0.5
done
[ "$status" = Completed ] || { echo "the run did not complete" >&2; exit 1; }

kill "$pid"; wait "$pid" 2>/dev/null || true
sqlite3 "$work/labelandalign.db" "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; VACUUM;" >/dev/null
cp "$work/labelandalign.db" "$here/release-5ef0515.db"
sqlite3 "$here/release-5ef0515.db" "SELECT 'users', COUNT(*) FROM users UNION ALL SELECT 'items', COUNT(*) FROM items UNION ALL SELECT 'labels', COUNT(*) FROM labels UNION ALL SELECT 'metric_points', COUNT(*) FROM metric_points UNION ALL SELECT 'run_checkpoints', COUNT(*) FROM run_checkpoints UNION ALL SELECT 'schema', MAX(Version) FROM schema_migrations;"
