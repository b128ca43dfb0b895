# A project is imported by its name.
terraform import keyhouse_project.featurestore featurestore
