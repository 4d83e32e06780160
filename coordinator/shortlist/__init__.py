"""The shortlist: candidacies compared side by side, calibrated scores, recorded decisions."""
