data "keyhouse_iam_policy_document" "read_token" {
  statement {
    sid       = "ReadClusterKey"
    actions   = ["secrets:GetSecret", "secrets:GetSecretValue"]
    resources = ["khrn:secret:project/featurestore/hopsworks/role/databricks-cluster/type/api-key"]
  }
}

resource "keyhouse_iam_policy" "read_token" {
  name        = "read-cluster-token"
  description = "Read the Databricks cluster's key, and nothing else"
  policy      = data.keyhouse_iam_policy_document.read_token.json
}

# Or written inline.
resource "keyhouse_iam_policy" "pass_cluster_role" {
  name = "pass-databricks-role"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "iam:PassRole"
      Resource = "khrn:role:databricks-cluster"
    }]
  })
}
