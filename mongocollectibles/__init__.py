"""MongoCollectibles: a collectibles rental shop (Reflex storefront, REST API, PayMongo)."""
