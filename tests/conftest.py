"""Fixtures shared by the test modules."""
import pytest
import torch


@pytest.fixture
def one_torch_thread():
    """One torch thread for the test, then the caller's count again (xdist runs two workers on 2 cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
