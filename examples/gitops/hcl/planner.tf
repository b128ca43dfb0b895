# The planner: the principal whose key plans pull requests. It is an admin (to read
# users, roles and policies) that a Deny on everything but reads holds back: an
# explicit Deny wins over every Allow, so its key can change nothing. Make its key
# once, with the deploy key:
#   curl -s "$KEYHOUSE_URL/api/v1/api-keys" -H "x-api-key: $KEYHOUSE_DEPLOY_KEY" \
#     -H 'content-type: application/json' \
#     -d '{"name": "gitops-plan", "owner_user": "gitops-planner", "scopes": ["keys", "secrets", "project", "iam"]}'
# and keep it in the CI system as KEYHOUSE_PLANNER_KEY.

resource "keyhouse_user" "planner" {
  name     = "gitops-planner"
  is_admin = true
}

resource "keyhouse_iam_policy" "read_only" {
  name        = "gitops-read-only"
  description = "Denies every action but reads"
  policy      = file("${path.module}/../planner-policy.json")
}

resource "keyhouse_policy_attachment" "planner" {
  policy_arn = keyhouse_iam_policy.read_only.arn
  user       = keyhouse_user.planner.name
}
