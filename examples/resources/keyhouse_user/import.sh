# A user is imported by its name.
terraform import keyhouse_user.alice alice
