resource "keyhouse_project" "featurestore" {
  name        = "featurestore"
  description = "Feature store pipelines"
}
