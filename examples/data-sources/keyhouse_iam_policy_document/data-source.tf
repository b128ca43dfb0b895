# Read access to exactly one secret, from inside the company network only.
data "keyhouse_iam_policy_document" "read_cluster_key" {
  statement {
    sid       = "ReadClusterKey"
    actions   = ["secrets:GetSecret", "secrets:GetSecretValue"]
    resources = ["khrn:secret:project/featurestore/hopsworks/role/databricks-cluster/type/api-key"]

    condition {
      test     = "IpAddress"
      variable = "keyhouse:SourceIp"
      values   = ["10.0.0.0/8"]
    }
  }

  statement {
    effect      = "Deny"
    not_actions = ["secrets:*"]
    resources   = ["*"]
  }
}

output "policy" {
  value = data.keyhouse_iam_policy_document.read_cluster_key.json
}
