"""The PostgreSQL the tests start themselves: one cluster per run, a fresh database per test."""


def test_each_test_gets_an_empty_database_of_its_own(postgres, postgres_cluster):
    assert postgres != postgres_cluster.url()
    assert postgres_cluster.psql("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'", postgres).strip() == "0"
    postgres_cluster.psql("CREATE TABLE left_behind (x INTEGER)", postgres)


def test_a_second_test_does_not_see_the_first_ones_tables(postgres, postgres_cluster):
    assert postgres_cluster.psql("SELECT COUNT(*) FROM pg_tables WHERE tablename = 'left_behind'", postgres).strip() == "0"


def test_the_cluster_listens_on_no_network_address(postgres, postgres_cluster):
    assert postgres_cluster.psql("SHOW listen_addresses", postgres).strip() == ""
    assert postgres_cluster.psql("SHOW fsync", postgres).strip() == "off"
