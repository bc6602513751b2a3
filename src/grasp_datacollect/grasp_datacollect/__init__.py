"""Episode recording to rosbag2 (MCAP), collection policies and the bag-to-training-samples loader."""
