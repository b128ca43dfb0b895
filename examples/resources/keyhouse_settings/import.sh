# There is one settings object per service; its ID is "settings".
terraform import keyhouse_settings.this settings
