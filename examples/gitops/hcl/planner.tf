# The planner's key plans pull requests and can change nothing. Keys only see the
# keys their own principal made, so the planner's key belongs to the deploy
# principal (the admin this configuration is applied as), and a Deny on everything
# but reads holds back every key of that principal that lacks the `admin` scope:
# the deploy key has it, the planner's key does not. An explicit Deny wins over
# every Allow. Make the planner's key once, with the deploy key:
#   curl -s "$KEYHOUSE_URL/api/v1/api-keys" -H "x-api-key: $KEYHOUSE_DEPLOY_KEY" \
#     -H 'content-type: application/json' \
#     -d '{"name": "gitops-plan", "scopes": ["keys", "secrets", "project", "iam"]}'
# and keep it in the CI system as KEYHOUSE_PLANNER_KEY.

data "keyhouse_caller_identity" "deployer" {}

resource "keyhouse_iam_policy" "read_only" {
  name        = "gitops-read-only"
  description = "Keys without the admin scope may only read"
  policy      = file("${path.module}/../planner-policy.json")
}

resource "keyhouse_policy_attachment" "planner" {
  policy_arn = keyhouse_iam_policy.read_only.arn
  user       = data.keyhouse_caller_identity.deployer.principal_name
}
