resource "keyhouse_role" "databricks" {
  name = "databricks-cluster"
}

resource "keyhouse_user" "deployer" {
  name = "deployer"
}

resource "keyhouse_iam_policy" "read_token" {
  name = "read-cluster-token"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["secrets:GetSecret", "secrets:GetSecretValue"]
      Resource = "khrn:secret:project/featurestore/hopsworks/role/databricks-cluster/type/api-key"
    }]
  })
}

resource "keyhouse_iam_policy" "pass_role" {
  name = "pass-databricks-role"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:PassRole", Resource = keyhouse_role.databricks.arn }]
  })
}

resource "keyhouse_policy_attachment" "cluster_reads_token" {
  policy_arn = keyhouse_iam_policy.read_token.arn
  role       = keyhouse_role.databricks.name
}

resource "keyhouse_policy_attachment" "deployer_passes_role" {
  policy_arn = keyhouse_iam_policy.pass_role.arn
  user       = keyhouse_user.deployer.name
}
