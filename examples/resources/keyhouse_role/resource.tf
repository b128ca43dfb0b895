resource "keyhouse_role" "databricks" {
  name        = "databricks-cluster"
  description = "The Databricks compute cluster"
}
