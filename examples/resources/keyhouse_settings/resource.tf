resource "keyhouse_settings" "this" {
  default_key_lifetime_days = 365
  max_key_lifetime_days     = 730
}
