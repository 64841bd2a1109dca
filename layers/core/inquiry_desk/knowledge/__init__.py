"""Knowledge: the knowledge base agents and product staff keep current (R7.1, R7.2).
Owns articles, every edit a new version (old versions kept, who and when), published or not;
a message sent from an article records ``article:<id>@<version>`` (lineage, R6.2)."""
