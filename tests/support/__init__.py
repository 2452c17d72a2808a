"""What tests share and are not tests themselves: builders, corpora, and local fakes of outside services."""
