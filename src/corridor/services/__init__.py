"""Services compose analytics and the store into answers every interface renders."""
