"""The database: typed models, opening and migrating, and the queries on them."""
