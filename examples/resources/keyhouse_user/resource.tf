resource "keyhouse_user" "alice" {
  name  = "alice"
  email = "alice@example.com"
}

resource "keyhouse_user" "ops_lead" {
  name     = "ops-lead"
  is_admin = true
}
