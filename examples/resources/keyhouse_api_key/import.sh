# A key is imported by its Key ID. The service shows a key once, when it is made,
# so after an import `key` is null. `expires_in_days` is read back from the key's
# creation and expiry times (a key made with a lifetime in days has one).
terraform import keyhouse_api_key.ci abcdefghijklmnop

# A key that store_in_secret wrote into a secret: the Key ID, a slash, and the
# secret's id. The provider checks that the secret holds that very key.
terraform import keyhouse_api_key.databricks abcdefghijklmnop/0f1e2d3c4b5a69788796a5b4c3d2e1f0
